package org.scribbleseg.engine.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.LabelMap;

class ProjectStoreTest {

    @TempDir
    Path tmp;

    private ProjectStore newStore() {
        return ProjectStore.create(tmp.resolve("p.sseg"));
    }

    private static ImageEntry addImage(ProjectStore s, String name, int w, int h) {
        return s.addImage(s.root().resolveSibling(name), "sha-" + name, w, h, Split.NONE);
    }

    @Test
    void createsTheProjectLayoutAndReopensAtTheLatestSchema() {
        try (ProjectStore s = newStore()) {
            assertThat(s.root().resolve("project.db")).isRegularFile();
            assertThat(s.cacheDir()).isDirectory();
            assertThat(s.modelsDir()).isDirectory();
            assertThat(s.exportsDir()).isDirectory();
            assertThat(s.schemaVersion()).isEqualTo(Schema.latestVersion());
            assertThat(s.name()).isEqualTo("p");
        }
        try (ProjectStore s = ProjectStore.open(tmp.resolve("p.sseg"))) {
            assertThat(s.schemaVersion()).isEqualTo(Schema.latestVersion());
        }
        assertThatThrownBy(() -> ProjectStore.create(tmp.resolve("p.sseg"))).hasMessageContaining("already exists");
    }

    @Test
    void migratesAnOldSchemaDatabaseKeepingItsData() throws IOException {
        // project-v1.db: written by schema v1 (before stroke durations); one class, one image, two strokes, one undone
        Path dir = tmp.resolve("old.sseg");
        Files.createDirectories(dir);
        try (InputStream in = getClass().getResourceAsStream("/projects/project-v1.db")) {
            assertThat(in).as("fixture project-v1.db").isNotNull();
            Files.copy(in, dir.resolve("project.db"), StandardCopyOption.REPLACE_EXISTING);
        }
        try (ProjectStore s = ProjectStore.open(dir)) {
            assertThat(s.schemaVersion()).isEqualTo(Schema.latestVersion());
            assertThat(s.classes()).extracting(ClassDef::name).containsExactly("background", "cat");
            ImageEntry img = s.images().get(0);
            assertThat(img.path()).isEqualTo("../cat.jpg");
            List<Stroke> strokes = s.strokes(img.id());
            assertThat(strokes).hasSize(1);
            assertThat(strokes.get(0).points()).containsExactly(1f, 2f, 30f, 40f);
            // the migrated project works: undo brings back the state before the remaining stroke
            s.commitStroke(img.id(), s.classByName("cat").orElseThrow().id(), StrokeKind.POINT, 4, new float[] {5, 5}, 120);
            assertThat(s.strokes(img.id())).hasSize(2);
            assertThat(s.undo(img.id())).isPresent();
            assertThat(s.strokes(img.id())).hasSize(1);
            // v3: the accept history starts empty; the image was labelled before any head saw it, so no first look
            assertThat(s.acceptHistory()).isEmpty();
            assertThat(s.saveFirstLook(img.id(), new LabelMap(img.width(), img.height(), new byte[img.width() * img.height()]), 1)).isFalse();
            s.setMask(img.id(), new LabelMap(img.width(), img.height(), new byte[img.width() * img.height()]), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            assertThat(s.acceptHistory()).isEmpty();
        }
    }

    @Test
    void refusesANewerSchemaAndADamagedFileWithoutTouchingThem() throws Exception {
        Path dir = tmp.resolve("p.sseg");
        try (ProjectStore s = ProjectStore.create(dir)) {
            addImage(s, "a.jpg", 10, 10);
        }
        // a project written by a future version
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("project.db"));
                var st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        byte[] before = Files.readAllBytes(dir.resolve("project.db"));
        assertThatThrownBy(() -> ProjectStore.open(dir))
                .isInstanceOf(ProjectException.class)
                .hasMessageContaining("newer ScribbleSeg")
                .hasMessageContaining("v99");
        assertThat(Files.readAllBytes(dir.resolve("project.db"))).isEqualTo(before);

        Path bad = tmp.resolve("bad.sseg");
        Files.createDirectories(bad);
        byte[] garbage = "this is not a database, just text that happens to be here".repeat(100).getBytes();
        Files.write(bad.resolve("project.db"), garbage);
        assertThatThrownBy(() -> ProjectStore.open(bad))
                .isInstanceOf(ProjectException.class)
                .hasMessageContaining("damaged")
                .hasMessageContaining("Nothing was changed");
        assertThat(Files.readAllBytes(bad.resolve("project.db"))).isEqualTo(garbage);

        assertThatThrownBy(() -> ProjectStore.open(tmp.resolve("nothing-here")))
                .hasMessageContaining("no ScribbleSeg project");
    }

    @Test
    void neighboursAreTheImagesNextToOneInTheListOrder() {
        try (ProjectStore s = newStore()) {
            List<ImageEntry> imgs = new ArrayList<>();
            for (String n : List.of("a.jpg", "b.jpg", "c.jpg")) {
                imgs.add(addImage(s, n, 4, 4));
            }
            assertThat(s.images()).containsExactlyElementsOf(imgs);
            // the middle one: the next, then the previous; at the ends only the one there is
            assertThat(s.neighbours(imgs.get(1).id())).containsExactly(imgs.get(2), imgs.get(0));
            assertThat(s.neighbours(imgs.get(0).id())).containsExactly(imgs.get(1));
            assertThat(s.neighbours(imgs.get(2).id())).containsExactly(imgs.get(1));
        }
    }

    @Test
    void storesEveryStrokeKindInDrawingOrder() {
        try (ProjectStore s = newStore()) {
            ClassDef bg = s.addClass("background", 0x000000, 0, "", List.of());
            ClassDef dog = s.addClass("dog", 0x40a0ff, null, "a dog", List.of("dog", "puppy"));
            assertThat(dog.vocIndex()).isEqualTo(1);
            assertThat(dog.concepts()).containsExactly("dog", "puppy");
            ImageEntry img = addImage(s, "a.jpg", 100, 80);
            assertThat(img.status()).isEqualTo(ImageStatus.UNLABELLED);

            s.commitStroke(img.id(), dog.id(), StrokeKind.SCRIBBLE, 5, new float[] {1, 1, 20.5f, 30.25f, 40, 41});
            s.commitStroke(img.id(), bg.id(), StrokeKind.POINT, 3, new float[] {7, 8});
            s.commitStroke(img.id(), null, StrokeKind.ERASE, 6, new float[] {10, 10, 12, 12});
            s.commitStroke(img.id(), null, StrokeKind.IGNORE, 2, new float[] {50, 50});

            List<Stroke> strokes = s.strokes(img.id());
            assertThat(strokes).extracting(Stroke::kind)
                    .containsExactly(StrokeKind.SCRIBBLE, StrokeKind.POINT, StrokeKind.ERASE, StrokeKind.IGNORE);
            assertThat(strokes.get(0).points()).containsExactly(1, 1, 20.5f, 30.25f, 40, 41);
            assertThat(strokes.get(0).classId()).isEqualTo(dog.id());
            assertThat(strokes.get(2).classId()).isNull();
            assertThat(strokes.get(1).radius()).isEqualTo(3f);
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);

            assertThatThrownBy(() -> s.commitStroke(img.id(), null, StrokeKind.SCRIBBLE, 5, new float[] {1, 1}))
                    .hasMessageContaining("need a class");
            assertThatThrownBy(() -> s.commitStroke(img.id(), dog.id(), StrokeKind.ERASE, 5, new float[] {1, 1}))
                    .hasMessageContaining("take no class");
            assertThatThrownBy(() -> s.commitStroke(img.id(), dog.id(), StrokeKind.POINT, 5, new float[] {1, 1, 2, 2}))
                    .hasMessageContaining("exactly one");
            assertThatThrownBy(() -> s.commitStroke(img.id(), dog.id(), StrokeKind.SCRIBBLE, 5, new float[] {Float.NaN, 1}))
                    .hasMessageContaining("finite");
            assertThatThrownBy(() -> s.commitStroke(999, dog.id(), StrokeKind.SCRIBBLE, 5, new float[] {1, 1}))
                    .hasMessageContaining("no image with id 999");
            assertThat(s.strokes(img.id())).hasSize(4);
        }
    }

    @Test
    void undoAndRedoCoverStrokesTagsMasksAndClear() {
        try (ProjectStore s = newStore()) {
            ClassDef bg = s.addClass("background", 0, 0, "", List.of());
            ClassDef cat = s.addClass("cat", 0xff0000, null, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 4, 3);
            List<Long> heard = new ArrayList<>();
            s.addListener((imageId, rev) -> heard.add(imageId));

            Stroke a = s.commitStroke(img.id(), cat.id(), StrokeKind.SCRIBBLE, 1, new float[] {0, 0, 3, 2});
            Stroke b = s.commitStroke(img.id(), bg.id(), StrokeKind.POINT, 1, new float[] {1, 1});
            s.setTag(img.id(), cat.id(), true);
            LabelMap m = new LabelMap(4, 3, new byte[] {0, 0, 1, 1, 0, 1, 1, 1, (byte) 255, 0, 0, 1});
            s.setMask(img.id(), m, "accepted");
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
            assertThat(s.mask(img.id()).orElseThrow().labels()).isEqualTo(m);
            assertThat(heard).containsOnly(img.id()).hasSize(4);

            assertThat(s.undo(img.id()).orElseThrow().kind()).isEqualTo("MASK");
            assertThat(s.mask(img.id())).isEmpty();
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
            assertThat(s.undo(img.id()).orElseThrow().kind()).isEqualTo("TAG");
            assertThat(s.tags(img.id())).isEmpty();
            assertThat(s.undo(img.id()).orElseThrow().kind()).isEqualTo("STROKE");
            assertThat(s.strokes(img.id())).extracting(Stroke::id).containsExactly(a.id());

            assertThat(s.redo(img.id()).orElseThrow().kind()).isEqualTo("STROKE");
            assertThat(s.strokes(img.id())).extracting(Stroke::id).containsExactly(a.id(), b.id());
            assertThat(s.redo(img.id()).orElseThrow().kind()).isEqualTo("TAG");
            assertThat(s.tags(img.id())).containsExactly(new Tag(img.id(), cat.id(), true));
            // a new action ends the redo history: the mask can no longer be redone
            s.setTag(img.id(), bg.id(), false);
            assertThat(s.absentClassValues(img.id())).containsExactly(bg.vocIndex());
            assertThat(s.canRedo(img.id())).isFalse();
            assertThat(s.redo(img.id())).isEmpty();
            assertThat(s.mask(img.id())).isEmpty();

            s.clearImage(img.id());
            assertThat(s.strokes(img.id())).isEmpty();
            assertThat(s.tags(img.id())).isEmpty();
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.UNLABELLED);
            s.undo(img.id());
            assertThat(s.strokes(img.id())).hasSize(2);
            assertThat(s.tags(img.id())).hasSize(2);
            s.redo(img.id());
            assertThat(s.strokes(img.id())).isEmpty();

            // undo everything there is, then nothing more
            while (s.undo(img.id()).isPresent()) {
                // keep undoing
            }
            assertThat(s.canUndo(img.id())).isFalse();
            assertThat(s.strokes(img.id())).isEmpty();
            assertThat(s.tags(img.id())).isEmpty();
            assertThat(s.mask(img.id())).isEmpty();
        }
    }

    @Test
    void undoSurvivesReopening() {
        Path dir = tmp.resolve("p.sseg");
        long imageId;
        try (ProjectStore s = ProjectStore.create(dir)) {
            ClassDef cat = s.addClass("cat", 0xff0000, 1, "", List.of());
            imageId = addImage(s, "a.jpg", 10, 10).id();
            s.commitStroke(imageId, cat.id(), StrokeKind.SCRIBBLE, 1, new float[] {0, 0, 3, 2});
            s.commitStroke(imageId, cat.id(), StrokeKind.SCRIBBLE, 1, new float[] {5, 5, 6, 6});
        }
        try (ProjectStore s = ProjectStore.open(dir)) {
            assertThat(s.strokes(imageId)).hasSize(2);
            s.undo(imageId);
            assertThat(s.strokes(imageId)).hasSize(1);
        }
        try (ProjectStore s = ProjectStore.open(dir)) {
            assertThat(s.strokes(imageId)).hasSize(1);
            assertThat(s.redo(imageId)).isPresent();
            assertThat(s.strokes(imageId)).hasSize(2);
        }
    }

    @Test
    void deletingAClassWithLabelsNeedsATargetAndMovesEverything() {
        try (ProjectStore s = newStore()) {
            ClassDef bg = s.addClass("background", 0, 0, "", List.of());
            ClassDef cat = s.addClass("cat", 0xff0000, 8, "", List.of());
            ClassDef dog = s.addClass("dog", 0x00ff00, 12, "", List.of());
            ClassDef unused = s.addClass("unused", 0x0000ff, null, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 2, 2);
            s.commitStroke(img.id(), cat.id(), StrokeKind.SCRIBBLE, 1, new float[] {0, 0});
            s.setTag(img.id(), cat.id(), true);
            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {0, 8, 8, (byte) 255}), "accepted");

            assertThat(s.classUsage(cat.id())).isEqualTo(new ProjectStore.ClassUsage(1, 1, 1));
            assertThatThrownBy(() -> s.deleteClass(cat.id(), null))
                    .isInstanceOf(ProjectException.class)
                    .hasMessageContaining("'cat' has 1 strokes, 1 tags and 1 masks")
                    .hasMessageContaining("choose a class");
            assertThat(s.classes()).hasSize(4);
            assertThatThrownBy(() -> s.deleteClass(cat.id(), cat.id())).hasMessageContaining("itself");

            s.deleteClass(unused.id(), null); // no labels: deleted outright
            s.deleteClass(cat.id(), dog.id());
            assertThat(s.classes()).extracting(ClassDef::name).containsExactly("background", "dog");
            assertThat(s.strokes(img.id()).get(0).classId()).isEqualTo(dog.id());
            assertThat(s.tags(img.id())).containsExactly(new Tag(img.id(), dog.id(), true));
            assertThat(s.mask(img.id()).orElseThrow().labels().data()).containsExactly(0, 12, 12, (byte) 255);
            assertThat(bg.vocIndex()).isZero();
        }
    }

    @Test
    void changingAClassIndexRemapsMasksHistoryAndPredictions() {
        try (ProjectStore s = newStore()) {
            s.addClass("background", 0, 0, "", List.of());
            ClassDef cat = s.addClass("cat", 0xff0000, 8, "", List.of());
            ClassDef dog = s.addClass("dog", 0x00ff00, 12, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 2, 2);
            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {8, 8, 12, 0}), "voc-import");
            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {0, 8, 12, (byte) 255}), "accepted");
            s.savePrediction(img.id(), "head", new LabelMap(2, 2, new byte[] {8, 12, 0, 8}), null, 0.1);
            List<Long> heard = new ArrayList<>();
            s.addListener((image, rev) -> heard.add(image));
            long rev = s.revision();

            s.setClassIndex(cat.id(), 20);

            assertThat(s.classById(cat.id()).orElseThrow().vocIndex()).isEqualTo(20);
            assertThat(s.classByIndex(8)).isEmpty();
            assertThat(s.mask(img.id()).orElseThrow().labels().data()).containsExactly(0, 20, 12, (byte) 255);
            assertThat(s.prediction(img.id(), "head").orElseThrow().labels().data()).containsExactly(20, 12, 0, 20);
            assertThat(s.revision()).isEqualTo(rev + 1);
            assertThat(heard).containsExactly(-1L);
            // the mask before it in the undo history was remapped too: undoing shows the new value
            s.undo(img.id());
            assertThat(s.mask(img.id()).orElseThrow().labels().data()).containsExactly(20, 20, 12, 0);
        }
    }

    @Test
    void aTakenOrOutOfRangeClassIndexIsRefusedAndNothingChanges() {
        try (ProjectStore s = newStore()) {
            ClassDef cat = s.addClass("cat", 0xff0000, 8, "", List.of());
            s.addClass("dog", 0x00ff00, 12, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 2, 2);
            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {8, 8, 12, 0}), "accepted");
            s.savePrediction(img.id(), "head", new LabelMap(2, 2, new byte[] {8, 12, 0, 8}), null, 0.1);
            long rev = s.revision();

            assertThatThrownBy(() -> s.setClassIndex(cat.id(), 12)).isInstanceOf(ProjectException.class)
                    .hasMessageContaining("VOC index 12 is already used by class 'dog'");
            assertThatThrownBy(() -> s.setClassIndex(cat.id(), 255)).isInstanceOf(ProjectException.class)
                    .hasMessageContaining("0..254 (255 is void)");
            assertThatThrownBy(() -> s.setClassIndex(cat.id(), -1)).isInstanceOf(ProjectException.class);
            assertThatThrownBy(() -> s.setClassIndex(999, 30)).hasMessageContaining("no class with id 999");

            assertThat(s.classById(cat.id()).orElseThrow().vocIndex()).isEqualTo(8);
            assertThat(s.mask(img.id()).orElseThrow().labels().data()).containsExactly(8, 8, 12, 0);
            assertThat(s.prediction(img.id(), "head").orElseThrow().labels().data()).containsExactly(8, 12, 0, 8);
            assertThat(s.revision()).isEqualTo(rev);
        }
    }

    @Test
    void aPartialMaskLeavesTheImageInProgressAndAnAcceptedOneMarksItDone() {
        try (ProjectStore s = newStore()) {
            s.addClass("cat", 0xff0000, 8, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 2, 2);
            LabelMap partial = new LabelMap(2, 2, new byte[] {8, 8, (byte) 255, (byte) 255});
            s.setMask(img.id(), partial, MaskRecord.PARTIAL);
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
            assertThat(s.mask(img.id()).orElseThrow().isPartial()).isTrue();
            assertThat(s.imagesWithMask()).containsExactly(img.id()); // still training data

            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {8, 8, 0, 0}), MaskRecord.ACCEPTED);
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
            s.undo(img.id());
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
            assertThat(s.mask(img.id()).orElseThrow().labels()).isEqualTo(partial);
            s.undo(img.id());
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.UNLABELLED);
            assertThat(s.mask(img.id())).isEmpty();
            s.redo(img.id());
            s.redo(img.id());
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
        }
    }

    @Test
    void anAcceptedMaskCanBeMarkedNotDoneAndDoneAgain() {
        try (ProjectStore s = newStore()) {
            s.addClass("cat", 0xff0000, 8, "", List.of());
            ImageEntry img = addImage(s, "a.jpg", 2, 2);
            assertThatThrownBy(() -> s.toggleDone(img.id())).isInstanceOf(ProjectException.class).hasMessageContaining("no mask");
            s.setMask(img.id(), new LabelMap(2, 2, new byte[] {8, (byte) 255, (byte) 255, (byte) 255}), MaskRecord.PARTIAL);
            assertThatThrownBy(() -> s.toggleDone(img.id())).isInstanceOf(ProjectException.class).hasMessageContaining("accept the prediction");
            assertThat(s.mask(img.id()).orElseThrow().source()).isEqualTo(MaskRecord.PARTIAL);

            LabelMap full = new LabelMap(2, 2, new byte[] {8, 8, 0, 0});
            s.setMask(img.id(), full, MaskRecord.ACCEPTED);
            assertThat(s.toggleDone(img.id())).isEqualTo(ImageStatus.IN_PROGRESS);
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
            assertThat(s.mask(img.id()).orElseThrow().source()).isEqualTo(MaskRecord.REOPENED);
            assertThat(s.mask(img.id()).orElseThrow().labels()).isEqualTo(full);
            assertThat(s.toggleDone(img.id())).isEqualTo(ImageStatus.DONE);
            assertThat(s.mask(img.id()).orElseThrow().source()).isEqualTo(MaskRecord.ACCEPTED);
            assertThat(s.mask(img.id()).orElseThrow().labels()).isEqualTo(full);

            s.undo(img.id());
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
            s.undo(img.id());
            assertThat(s.image(img.id()).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
        }
    }

    @Test
    void classEditsAreValidated() {
        try (ProjectStore s = newStore()) {
            ClassDef a = s.addClass("cat", 0xff0000, 3, "", List.of());
            assertThatThrownBy(() -> s.addClass("Cat", 1, null, "", List.of())).hasMessageContaining("already exists");
            assertThatThrownBy(() -> s.addClass("dog", 1, 3, "", List.of())).hasMessageContaining("index 3 is already used by class 'cat'");
            assertThatThrownBy(() -> s.addClass("dog", 1, 255, "", List.of())).hasMessageContaining("255 is void");
            assertThatThrownBy(() -> s.addClass(" ", 1, null, "", List.of())).hasMessageContaining("needs a name");
            ClassDef b = s.addClass("dog", 0x00ff00, null, "", List.of());
            assertThat(b.vocIndex()).isZero();
            s.renameClass(a.id(), "kitten");
            s.recolorClass(a.id(), 0x123456);
            s.describeClass(a.id(), "small cat", List.of("kitten", " kitty "));
            s.moveClass(b.id(), 0);
            List<ClassDef> cs = s.classes();
            assertThat(cs).extracting(ClassDef::name).containsExactly("dog", "kitten");
            assertThat(cs.get(1).hexColor()).isEqualTo("#123456");
            assertThat(cs.get(1).concepts()).containsExactly("kitten", "kitty");
            assertThat(cs.get(1).definition()).isEqualTo("small cat");
        }
    }

    @Test
    void imagesAreReferencedRelativelyAndDuplicatesRefused() {
        try (ProjectStore s = newStore()) {
            ImageEntry e = s.addImage(tmp.resolve("imgs/x.png"), "abc", 30, 20, Split.VAL);
            assertThat(e.path()).isEqualTo("../imgs/x.png");
            assertThat(s.resolve(e)).isEqualTo(tmp.resolve("imgs/x.png").toAbsolutePath().normalize());
            assertThat(e.split()).isEqualTo(Split.VAL);
            assertThat(e.stem()).isEqualTo("x");
            assertThatThrownBy(() -> s.addImage(tmp.resolve("imgs/y.png"), "abc", 30, 20, Split.NONE))
                    .hasMessageContaining("duplicate image");
            assertThat(s.imageCount()).isEqualTo(1);
            assertThat(s.statusCounts()).isEqualTo(Map.of(ImageStatus.UNLABELLED, 1, ImageStatus.IN_PROGRESS, 0, ImageStatus.DONE, 0));
            assertThatThrownBy(() -> s.setMask(e.id(), LabelMap.unlabelled(3, 3), "accepted")).hasMessageContaining("mask is 3x3");
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void predictionsAndRunsRoundTrip() {
        try (ProjectStore s = newStore()) {
            ImageEntry e = addImage(s, "a.jpg", 3, 1);
            s.saveRun("r1", "head", "classic", "{}", "{\"acc\":0.9}", 5);
            s.savePrediction(e.id(), "r1", new LabelMap(3, 1, new byte[] {0, 1, 2}), new byte[] {10, 20, (byte) 250}, 0.25);
            ProjectStore.PredictionRecord p = s.latestPrediction(e.id()).orElseThrow();
            assertThat(p.labels().data()).containsExactly(0, 1, 2);
            assertThat(p.confidence()).containsExactly(10, 20, (byte) 250);
            assertThat(p.meanUncertainty()).isEqualTo(0.25);
        }
    }

    @Test
    void latestMeanUncertaintiesTakeEachImagesNewestPrediction() throws Exception {
        try (ProjectStore s = newStore()) {
            ImageEntry a = addImage(s, "a.jpg", 3, 1);
            ImageEntry b = addImage(s, "b.jpg", 3, 1);
            addImage(s, "c.jpg", 3, 1);
            LabelMap l = new LabelMap(3, 1, new byte[] {0, 1, 2});
            s.savePrediction(a.id(), "zeroshot", l, null, 0.75);
            Thread.sleep(5); // created_at is in milliseconds
            s.savePrediction(a.id(), "r1", l, null, 0.25);
            s.savePrediction(b.id(), "r1", l, null, 0.5);
            assertThat(s.latestMeanUncertainties()).isEqualTo(Map.of(a.id(), 0.25, b.id(), 0.5));
        }
    }
}
