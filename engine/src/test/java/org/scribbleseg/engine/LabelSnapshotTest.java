package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.AnnotationChanges;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.StrokeKind;

/** The live loop's incremental label reads equal the whole-table reads after every kind of change. */
class LabelSnapshotTest {
    @TempDir
    Path tmp;

    @Test
    void incrementalReadsEqualWholeTableReadsAfterEveryKindOfChange() {
        try (ProjectStore s = ProjectStore.create(tmp.resolve("p.sseg"))) {
            List<ClassDef> classes = new ArrayList<>();
            for (String n : List.of("background", "cat", "dog")) {
                classes.add(s.addClass(n, 0x102030, null, "", List.of()));
            }
            List<ImageEntry> images = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                images.add(s.addImage(tmp.resolve("i" + i + ".png"), "sha" + i, 8, 6, Split.NONE));
            }
            LabelSnapshot snap = new LabelSnapshot(s);
            snap.refresh();
            assertSame(snap, s);
            Random r = new Random(3);
            for (int step = 0; step < 200; step++) {
                ImageEntry img = images.get(r.nextInt(images.size()));
                long cls = classes.get(r.nextInt(classes.size())).id();
                switch (r.nextInt(8)) {
                    case 0, 1, 2 -> s.commitStroke(img.id(), cls, StrokeKind.SCRIBBLE, 2, new float[] {r.nextInt(8), r.nextInt(6), 3, 3}, 10);
                    case 3 -> s.undo(img.id());
                    case 4 -> s.redo(img.id());
                    case 5 -> s.setTag(img.id(), cls, r.nextBoolean() ? null : r.nextBoolean());
                    case 6 -> s.setMask(img.id(), new LabelMap(8, 6, new byte[48]), r.nextBoolean() ? MaskRecord.ACCEPTED : MaskRecord.PARTIAL);
                    default -> s.clearImage(img.id());
                }
                snap.refresh();
                assertSame(snap, s);
            }
            assertThat(snap.fullReads()).as("one whole-table read at the start, then only changed images").isEqualTo(1);
            assertThat(snap.imageReads()).isPositive();

            // a project-wide change (a class deleted, its strokes and tags moved to another) reads everything again
            s.deleteClass(classes.get(2).id(), classes.get(1).id());
            snap.refresh();
            assertSame(snap, s);
            assertThat(snap.fullReads()).isEqualTo(2);
        }
    }

    @Test
    void aChangeByAnotherProgramIsNoticedAndReadWhole() {
        Path dir = tmp.resolve("q.sseg");
        try (ProjectStore s = ProjectStore.create(dir)) {
            ClassDef cat = s.addClass("cat", 0xff0000, 1, "", List.of());
            ImageEntry img = s.addImage(tmp.resolve("a.png"), "a", 8, 6, Split.NONE);
            LabelSnapshot snap = new LabelSnapshot(s);
            snap.refresh();
            try (ProjectStore other = ProjectStore.open(dir)) {
                other.commitStroke(img.id(), cat.id(), StrokeKind.POINT, 2, new float[] {1, 1});
            }
            AnnotationChanges ch = s.annotations().changesSince(snap.revision());
            assertThat(ch.all()).as("a revision this connection did not write").isTrue();
            snap.refresh();
            assertSame(snap, s);
            assertThat(snap.strokes()).containsKey(img.id());
            // this connection's own change after that is incremental again
            s.commitStroke(img.id(), cat.id(), StrokeKind.POINT, 2, new float[] {2, 2});
            assertThat(s.annotations().changesSince(snap.revision())).isEqualTo(new AnnotationChanges(s.revision(), false, java.util.Set.of(img.id())));
        }
    }

    private static void assertSame(LabelSnapshot snap, ProjectStore s) {
        assertThat(snap.revision()).isEqualTo(s.revision());
        assertThat(snap.strokes()).usingRecursiveComparison().isEqualTo(s.allStrokes());
        assertThat(snap.strokes().keySet()).containsExactlyElementsOf(s.allStrokes().keySet());
        assertThat(new ArrayList<>(snap.withMask())).isEqualTo(s.imagesWithMask());
        assertThat(snap.tags()).isEqualTo(s.allTags());
    }
}
