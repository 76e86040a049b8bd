package org.scribbleseg.engine.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.ImageFixtures;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import org.scribbleseg.engine.testutil.SharedFolder;

class VocExportImportTest {
    @TempDir
    Path dir;

    static LabelMap map(int w, String rows) {
        String s = rows.replace(" ", "");
        byte[] d = new byte[s.length()];
        for (int i = 0; i < d.length; i++) {
            char c = s.charAt(i);
            d[i] = (byte) (c == '.' ? 255 : c - '0');
        }
        return new LabelMap(w, d.length / w, d);
    }

    Path put(String rel, byte[] bytes) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p;
    }

    static byte[] grey(int w, int h, int v) {
        byte[] b = new byte[w * h * 3];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static String text(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    static final LabelMap M1 = map(4, "0011 0011 .222");
    static final LabelMap M2 = map(4, "1111 0000 ....");

    /** Source: three images with accepted masks (jpeg copied, png re-encoded, rotated jpeg), one without. */
    MemorySource tiny() throws IOException {
        Path jpg = put("src/one/img.jpg", ImageFixtures.encode8(".jpg", 4, 3, 3, grey(4, 3, 100), IMWRITE_JPEG_QUALITY, 90));
        Path png = put("src/two/img.png", ImageFixtures.encode8(".png", 4, 3, 3, grey(4, 3, 50)));
        byte[] stored = ImageFixtures.encode8(".jpg", 4, 2, 3, grey(4, 2, 200));
        Path rot = put("src/Ünï cødé.jpg", ImageFixtures.withExifOrientation(stored, 6, false)); // displays 2×4
        Path none = put("src/zzz.jpg", ImageFixtures.encode8(".jpg", 4, 3, 3, grey(4, 3, 10)));
        return new MemorySource()
                .cls(10, "background", 0x000000, 0)
                .cls(11, "cat", 0xff8000, 1)
                .cls(12, "dog:big", 0x0000ff, 2)
                .image(1, jpg, Split.TRAIN, M1, null, null)
                .image(2, png, Split.VAL, M2, null, null)
                .image(3, rot, Split.NONE, map(2, "00 11 22 .."), null, null)
                .image(4, none, Split.NONE, null, map(4, "2222 2222 2222"),
                        List.of(new Stroke(1, 4, 11L, StrokeKind.POINT, 0f, new float[] {1.5f, 1.5f}, 0)));
    }

    @Test
    void goldenExportOfATinySource() throws IOException {
        MemorySource src = tiny();
        Path out = dir.resolve("out");
        List<int[]> progress = new ArrayList<>();
        ExportResult r = VocExporter.export(src, VocExporter.Options.of(out, ExportMode.DONE),
                (d, t, name) -> { synchronized (progress) { progress.add(new int[] {(int) d, (int) t}); } });
        assertThat(r.images()).isEqualTo(3);
        assertThat(r.ids()).isEqualTo(Map.of(1L, "img", 2L, "img_2", 3L, "_n__c_d_"));
        assertThat(progress).hasSize(3);

        assertThat(text(out.resolve("ImageSets/Segmentation/train.txt"))).isEqualTo("_n__c_d_\nimg\n");
        assertThat(text(out.resolve("ImageSets/Segmentation/val.txt"))).isEqualTo("img_2\n");
        assertThat(text(out.resolve("ImageSets/Segmentation/trainval.txt"))).isEqualTo("_n__c_d_\nimg\nimg_2\n");
        assertThat(out.resolve("ImageSets/Segmentation/predicted.txt")).doesNotExist();
        assertThat(text(out.resolve("labelmap.txt"))).isEqualTo(
                "# label:color_rgb:parts:actions\nbackground:0,0,0::\ncat:255,128,0::\ndog_big:0,0,255::\n");

        assertThat(PalettePng.read(out.resolve("SegmentationClass/img.png"))).isEqualTo(M1);
        assertThat(PalettePng.read(out.resolve("SegmentationClass/img_2.png"))).isEqualTo(M2);
        assertThat(PalettePng.read(out.resolve("SegmentationClass/_n__c_d_.png"))).isEqualTo(map(2, "00 11 22 .."));
        // JPEG copied byte for byte; PNG and the rotated JPEG re-encoded as upright JPEG
        assertThat(Files.readAllBytes(out.resolve("JPEGImages/img.jpg"))).isEqualTo(Files.readAllBytes(src.items.get(0).imagePath()));
        assertThat(ImageLoader.probe(out.resolve("JPEGImages/img_2.jpg")).format()).isEqualTo("jpeg");
        RgbImage rot = ImageLoader.load(out.resolve("JPEGImages/_n__c_d_.jpg"));
        assertThat(rot.width()).isEqualTo(2);
        assertThat(rot.height()).isEqualTo(4);
        assertThat(ImageLoader.probe(out.resolve("JPEGImages/_n__c_d_.jpg")).orientation()).isEqualTo(1);
        try (Stream<Path> s = Files.list(out.resolve("JPEGImages"))) {
            assertThat(s.count()).isEqualTo(3);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void outputBytesDoNotDependOnThreadCount() throws IOException {
        MemorySource src = tiny();
        Path one = dir.resolve("t1");
        Path two = dir.resolve("t2");
        VocExporter.export(src, VocExporter.Options.of(one, ExportMode.PREDICTED).withThreads(1));
        VocExporter.export(src, VocExporter.Options.of(two, ExportMode.PREDICTED).withThreads(2));
        List<Path> files;
        try (Stream<Path> s = Files.walk(one)) {
            files = s.filter(Files::isRegularFile).map(one::relativize).sorted().toList();
        }
        assertThat(files).hasSize(4 + 4 + 4 + 1 + 1);
        for (Path f : files) {
            assertThat(Files.readAllBytes(two.resolve(f))).as(f.toString()).isEqualTo(Files.readAllBytes(one.resolve(f)));
        }
    }

    @Test
    void idsAreSafeUniqueAndStableWhenImagesAreAdded() {
        List<ExportSource.Item> items = new ArrayList<>();
        for (String stem : List.of("a", "A", "a", "a_2", "", "..x", "ok.v1")) {
            items.add(new ExportSource.Item(items.size() + 1, Path.of("/i/" + stem + ".jpg"), stem, Split.NONE, true, false));
        }
        Map<Long, String> ids = VocExporter.assignIds(items);
        assertThat(ids).isEqualTo(Map.of(1L, "a", 2L, "A_2", 3L, "a_3", 4L, "a_2_2", 5L, "image", 6L, "_.x", 7L, "ok.v1"));
        items.add(0, new ExportSource.Item(8, Path.of("/j/a.png"), "a", Split.NONE, true, false));
        Map<Long, String> later = VocExporter.assignIds(items);
        assertThat(later).containsAllEntriesOf(ids).containsEntry(8L, "a_4");
    }

    @Test
    void predictedAndSparseModesAndDevkitLayout() throws IOException {
        MemorySource src = tiny();
        Path out = dir.resolve("pred");
        ExportResult r = VocExporter.export(src, VocExporter.Options.of(out, ExportMode.PREDICTED).withDevkit(2012));
        Path root = out.resolve("VOCdevkit/VOC2012");
        assertThat(r.datasetRoot()).isEqualTo(root);
        assertThat(r.predicted()).isEqualTo(1);
        assertThat(text(root.resolve("ImageSets/Segmentation/predicted.txt"))).isEqualTo("zzz\n");
        assertThat(text(root.resolve("ImageSets/Segmentation/trainval.txt"))).isEqualTo("_n__c_d_\nimg\nimg_2\nzzz\n");
        assertThat(PalettePng.read(root.resolve("SegmentationClass/zzz.png"))).isEqualTo(map(4, "2222 2222 2222"));

        Path sparse = dir.resolve("sparse");
        ExportResult s = VocExporter.export(src, VocExporter.Options.of(sparse, ExportMode.SPARSE));
        assertThat(s.ids()).isEqualTo(Map.of(4L, "zzz"));
        assertThat(text(sparse.resolve("ImageSets/Segmentation/trainval.txt"))).isEqualTo("zzz\n");
        assertThat(PalettePng.read(sparse.resolve("SegmentationClass/zzz.png"))).isEqualTo(map(4, ".... .1.. ...."));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void overwriteRules() throws IOException {
        MemorySource src = tiny();
        Path out = dir.resolve("o");
        Files.createDirectories(out);
        VocExporter.export(src, VocExporter.Options.of(out, ExportMode.DONE)); // an empty folder is fine
        assertThatThrownBy(() -> VocExporter.export(src, VocExporter.Options.of(out, ExportMode.DONE)))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("--overwrite");
        Files.writeString(out.resolve("mine.txt"), "user file");
        VocExporter.export(src, VocExporter.Options.of(out, ExportMode.PREDICTED).withOverwrite(true));
        assertThat(out.resolve("mine.txt")).doesNotExist();
        assertThat(out.resolve("ImageSets/Segmentation/predicted.txt")).exists();

        Path foreign = dir.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("thesis.tex"), "precious");
        assertThatThrownBy(() -> VocExporter.export(src, VocExporter.Options.of(foreign, ExportMode.DONE).withOverwrite(true)))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("not written by a ScribbleSeg export");
        assertThat(text(foreign.resolve("thesis.tex"))).isEqualTo("precious");
        Path file = put("afile", new byte[] {1});
        assertThatThrownBy(() -> VocExporter.export(src, VocExporter.Options.of(file, ExportMode.DONE).withOverwrite(true)))
                .hasMessageContaining("not a folder");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void failureOrCancellationMidwayLeavesNothing() throws IOException {
        MemorySource base = tiny();
        for (int i = 0; i < 30; i++) {
            Path p = put("many/m" + i + ".png", ImageFixtures.encode8(".png", 4, 3, 3, grey(4, 3, i)));
            base.image(100 + i, p, Split.TRAIN, M1, null, null);
        }
        AtomicInteger calls = new AtomicInteger();
        ExportSource failing = new ExportSource() {
            @Override
            public List<org.scribbleseg.engine.project.ClassDef> classes() {
                return base.classes();
            }

            @Override
            public List<Item> images() {
                return base.images();
            }

            @Override
            public LabelMap acceptedMask(Item item) throws IOException {
                if (calls.incrementAndGet() == 12) {
                    throw new IOException("database went away");
                }
                return base.acceptedMask(item);
            }
        };
        Path out = dir.resolve("never");
        assertThatThrownBy(() -> VocExporter.export(failing, VocExporter.Options.of(out, ExportMode.DONE)))
                .hasMessage("database went away");
        assertThat(out).doesNotExist();
        assertThat(leftovers()).isEmpty();

        AtomicInteger done = new AtomicInteger();
        assertThatThrownBy(() -> VocExporter.export(base, VocExporter.Options.of(out, ExportMode.DONE),
                org.scribbleseg.engine.util.TaskMonitor.of((d, t, name) -> done.set((int) d), () -> done.get() >= 5))).isInstanceOf(CancellationException.class);
        assertThat(out).doesNotExist();
        assertThat(leftovers()).isEmpty();

        // a failing overwrite keeps the old export
        Path old = dir.resolve("old");
        VocExporter.export(tiny(), VocExporter.Options.of(old, ExportMode.DONE));
        String before = text(old.resolve("ImageSets/Segmentation/trainval.txt"));
        calls.set(0);
        assertThatThrownBy(() -> VocExporter.export(failing, VocExporter.Options.of(old, ExportMode.DONE).withOverwrite(true)))
                .hasMessage("database went away");
        assertThat(text(old.resolve("ImageSets/Segmentation/trainval.txt"))).isEqualTo(before);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void maskSizeMismatchFailsTheExport() throws IOException {
        MemorySource src = tiny();
        src.accepted.put(2L, map(3, "000 000 000"));
        assertThatThrownBy(() -> VocExporter.export(src, VocExporter.Options.of(dir.resolve("x"), ExportMode.DONE)))
                .hasMessageContaining("is 4×3 but its mask is 3×3");
        assertThat(leftovers()).isEmpty();
    }

    /** Folders next to the outputs that an export should never leave behind. */
    List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".partial-") || p.getFileName().toString().contains(".old-"))
                    .toList();
        }
    }

    @Test
    void exportImportExportIsIdentical() throws IOException {
        Path a = dir.resolve("a");
        VocExporter.export(tiny(), VocExporter.Options.of(a, ExportMode.DONE));
        ImportedVoc voc = VocImporter.read(a);
        assertThat(voc.fromLabelmap()).isTrue();
        assertThat(voc.classes()).extracting(LabelmapTxt.Entry::name).containsExactly("background", "cat", "dog_big");
        assertThat(voc.items()).extracting(ImportedVoc.Item::id).containsExactly("_n__c_d_", "img", "img_2");
        assertThat(voc.items()).extracting(ImportedVoc.Item::split).containsExactly(Split.TRAIN, Split.TRAIN, Split.VAL);
        Path b = dir.resolve("b");
        VocExporter.export(MemorySource.of(voc), VocExporter.Options.of(b, ExportMode.DONE));
        assertSameDataset(a, b);
        // the images were already upright JPEGs, so the second export copies them byte for byte
        for (String id : List.of("_n__c_d_", "img", "img_2")) {
            assertThat(Files.readAllBytes(b.resolve("JPEGImages/" + id + ".jpg")))
                    .isEqualTo(Files.readAllBytes(a.resolve("JPEGImages/" + id + ".jpg")));
        }
    }

    static void assertSameDataset(Path a, Path b) throws IOException {
        for (String list : List.of("train.txt", "val.txt", "trainval.txt", "../../labelmap.txt")) {
            assertThat(Files.readAllBytes(b.resolve("ImageSets/Segmentation").resolve(list).normalize()))
                    .as(list).isEqualTo(Files.readAllBytes(a.resolve("ImageSets/Segmentation").resolve(list).normalize()));
        }
        try (Stream<Path> s = Files.list(a.resolve("SegmentationClass"))) {
            for (Path m : s.toList()) {
                assertThat(PalettePng.read(b.resolve("SegmentationClass").resolve(m.getFileName())))
                        .as(m.getFileName().toString()).isEqualTo(PalettePng.read(m));
            }
        }
    }

    @Test
    void importerReportsClearProblems() throws IOException {
        Path a = dir.resolve("a");
        VocExporter.export(tiny(), VocExporter.Options.of(a, ExportMode.DONE).withDevkit(2007));
        assertThat(VocImporter.read(a).root()).isEqualTo(a.resolve("VOCdevkit/VOC2007"));
        assertThat(VocImporter.read(a.resolve("VOCdevkit")).items()).hasSize(3);

        assertThatThrownBy(() -> VocImporter.read(dir.resolve("src"))).isInstanceOf(VocFormatException.class)
                .hasMessageContaining("no JPEGImages folder in");

        Path root = a.resolve("VOCdevkit/VOC2007");
        LabelMap bad = map(4, "0000 0000 0000");
        bad.set(3, 0, 37); // no class 37
        Files.write(root.resolve("SegmentationClass/img.png"), PalettePng.encode(bad));
        Files.write(root.resolve("SegmentationClass/img_2.png"), PalettePng.encode(map(2, "00 00")));
        assertThatThrownBy(() -> VocImporter.read(a)).isInstanceOf(VocFormatException.class)
                .hasMessageContaining("2 problems")
                .hasMessageContaining("mask img.png uses class index 37, which labelmap.txt does not define")
                .hasMessageContaining("mask img_2.png is 2×2 but its image img_2.jpg is 4×3");

        // no labelmap.txt: the 21 VOC classes; 37 is still unknown, 20 is fine; trainval-only ids go to train
        Files.delete(root.resolve("labelmap.txt"));
        bad.set(3, 0, 20);
        Files.write(root.resolve("SegmentationClass/img.png"), PalettePng.encode(bad));
        Files.write(root.resolve("SegmentationClass/img_2.png"), PalettePng.encode(map(4, "0000 0000 0000")));
        Files.writeString(root.resolve("ImageSets/Segmentation/train.txt"), "");
        Files.writeString(root.resolve("ImageSets/Segmentation/val.txt"), "");
        ImportedVoc voc = VocImporter.read(a);
        assertThat(voc.fromLabelmap()).isFalse();
        assertThat(voc.classes()).hasSize(21);
        assertThat(voc.classes().get(15).name()).isEqualTo("person");
        assertThat(voc.classes().get(1).rgb()).isEqualTo(0x800000);
        assertThat(voc.items()).extracting(ImportedVoc.Item::split).containsOnly(Split.TRAIN);
        bad.set(3, 0, 21);
        Files.write(root.resolve("SegmentationClass/img.png"), PalettePng.encode(bad));
        assertThatThrownBy(() -> VocImporter.read(a)).hasMessageContaining("uses class index 21, which the 21 standard VOC classes");

        // a mask whose image is missing is left out with a warning
        Files.write(root.resolve("SegmentationClass/img.png"), PalettePng.encode(map(4, "0000 0000 0000")));
        Files.write(root.resolve("SegmentationClass/orphan.png"), PalettePng.encode(map(4, "0000 0000 0000")));
        ImportedVoc v2 = VocImporter.read(a);
        assertThat(v2.items()).hasSize(3);
        assertThat(v2.warnings()).anyMatch(w -> w.startsWith("orphan has a mask but no image"));
    }

    @Test
    void colourMasksAreMappedThroughLabelmapColours() throws IOException {
        Path a = dir.resolve("a");
        VocExporter.export(tiny(), VocExporter.Options.of(a, ExportMode.DONE));
        // rewrite img.png as an RGB mask painted with the labelmap colours (as CVAT/Datumaro write them)
        int[] colours = {0x000000, 0xff8000, 0x0000ff};
        java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(4, 3, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int v = M1.get(x, y);
                rgb.setRGB(x, y, v == 255 ? 0xE0E0C0 : colours[v]);
            }
        }
        Path m = a.resolve("SegmentationClass/img.png");
        javax.imageio.ImageIO.write(rgb, "png", m.toFile());
        ImportedVoc voc = VocImporter.read(a);
        ImportedVoc.Item img = voc.items().stream().filter(i -> i.id().equals("img")).findFirst().orElseThrow();
        assertThat(voc.readMask(img)).isEqualTo(M1);
        rgb.setRGB(2, 1, 0x123456);
        javax.imageio.ImageIO.write(rgb, "png", m.toFile());
        assertThatThrownBy(() -> VocImporter.read(a)).hasMessageContaining("colour 18,52,86 at pixel (2, 1) is no class colour");
    }

    @Test
    void camvidSampleImportsAndReExportsIdentically() throws IOException {
        Path camvid = SharedFolder.require("realdata/camvid-val-voc");
        ImportedVoc voc = VocImporter.read(camvid);
        assertThat(voc.classes()).hasSize(11);
        assertThat(voc.classes().get(0).name()).isEqualTo("sky");
        assertThat(voc.items()).hasSize(101);
        assertThat(voc.items().stream().filter(i -> i.split() == Split.VAL)).hasSize(31);
        assertThat(voc.items().get(0).width()).isEqualTo(480);
        Path out = dir.resolve("camvid");
        VocExporter.export(MemorySource.of(voc), VocExporter.Options.of(out, ExportMode.DONE));
        assertSameDataset(camvid, out);
        for (String id : List.of(voc.items().get(0).id(), voc.items().get(100).id())) {
            assertThat(Files.readAllBytes(out.resolve("JPEGImages/" + id + ".jpg")))
                    .isEqualTo(Files.readAllBytes(camvid.resolve("JPEGImages/" + id + ".jpg")));
        }
    }
}
