package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageImporterTest {
    @TempDir
    Path dir;

    /** An in-memory sink recording what was added. */
    static final class MemorySink implements ImageSink {
        final Set<String> shas = new HashSet<>();
        final List<Path> added = new ArrayList<>();

        @Override
        public boolean exists(String sha256) {
            return shas.contains(sha256);
        }

        @Override
        public void add(ImageInfo info, Path file) {
            assertThat(shas.add(info.sha256())).isTrue();
            added.add(file);
        }
    }

    static byte[] pixels(int w, int h, int ch, int seed) {
        byte[] b = new byte[w * h * ch];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + seed * 13);
        }
        return b;
    }

    Path put(String rel, byte[] bytes) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p;
    }

    @Test
    void importsEveryFormatSkipsBrokenAndHiddenAndFindsDuplicates() throws IOException {
        Path a = put("imgs/a.jpg", ImageFixtures.encode8(".jpg", 16, 8, 3, pixels(16, 8, 3, 1)));
        put("imgs/b_grey.png", ImageFixtures.encode8(".png", 5, 4, 1, pixels(5, 4, 1, 2)));
        short[] s16 = new short[5 * 4 * 4];
        Arrays.fill(s16, (short) 40000);
        put("imgs/c_rgba16.png", ImageFixtures.encode16(".png", 5, 4, 4, s16));
        put("imgs/sub/d.tif", ImageFixtures.encode8(".tif", 7, 3, 3, pixels(7, 3, 3, 3)));
        put("imgs/sub/e.bmp", ImageFixtures.encode8(".bmp", 7, 3, 3, pixels(7, 3, 3, 4)));
        put("imgs/sub/f.webp", ImageFixtures.encode8(".webp", 7, 3, 3, pixels(7, 3, 3, 5), IMWRITE_WEBP_QUALITY, 101));
        byte[] g16 = ImageFixtures.encode16(".png", 3, 3, 1, new short[9]);
        put("imgs/sub/g_grey16.png", g16);
        put("imgs/sub/zz_copy_of_a.JPG", Files.readAllBytes(a));
        byte[] jpg = Files.readAllBytes(a);
        put("imgs/trunc.jpg", Arrays.copyOf(jpg, jpg.length - 30));
        put("imgs/empty.png", new byte[0]);
        put("imgs/random.png", "hello, not an image at all".getBytes());
        put("imgs/notes.txt", "ignore me".getBytes());
        put("imgs/.hidden.jpg", jpg);
        put("imgs/.cache/x.jpg", jpg);

        MemorySink sink = new MemorySink();
        List<int[]> progress = new ArrayList<>();
        ImportReport r = ImageImporter.importPaths(List.of(dir.resolve("imgs")), sink,
                (d, t, name) -> progress.add(new int[] {(int) d, (int) t}));

        assertThat(r.added()).extracting(i -> dir.resolve("imgs").relativize(i.path()).toString()).containsExactly(
                "a.jpg", "b_grey.png", "c_rgba16.png", "sub/d.tif", "sub/e.bmp", "sub/f.webp", "sub/g_grey16.png");
        assertThat(r.added()).extracting(ImageInfo::format).containsExactly("jpeg", "png", "png", "tiff", "bmp", "webp", "png");
        assertThat(r.added().get(3).width()).isEqualTo(7);
        assertThat(r.added().get(3).height()).isEqualTo(3);
        assertThat(sink.added).hasSize(7);
        assertThat(r.skipped()).extracting(s -> s.path().getFileName().toString() + " " + s.reason().split(" ")[0])
                .containsExactlyInAnyOrder("empty.png empty", "random.png not", "trunc.jpg truncated");
        assertThat(r.duplicates()).hasSize(1);
        assertThat(r.duplicates().get(0).path().getFileName().toString()).isEqualTo("zz_copy_of_a.JPG");
        assertThat(r.duplicates().get(0).firstPath()).isEqualTo(a);
        assertThat(progress).hasSize(11);
        assertThat(progress.get(10)).containsExactly(11, 11);
        assertThat(r.summary()).isEqualTo("7 added, 3 skipped, 1 duplicate");

        // importing again: everything is a duplicate of the project, nothing is added twice
        ImportReport again = ImageImporter.importPaths(List.of(dir.resolve("imgs"), a), sink);
        assertThat(again.added()).isEmpty();
        assertThat(again.duplicates()).hasSize(8).allSatisfy(d -> assertThat(d.firstPath()).isNull());
    }

    @Test
    void explicitFilesWithOtherExtensionsAreReported() throws IOException {
        Path txt = put("notes.txt", "x".getBytes());
        Path png = put("ok.png", ImageFixtures.encode8(".png", 2, 2, 3, pixels(2, 2, 3, 1)));
        ImportReport r = ImageImporter.importPaths(List.of(txt, png, dir.resolve("gone.jpg")), new MemorySink());
        assertThat(r.added()).hasSize(1);
        assertThat(r.skipped()).extracting(ImportReport.Skipped::reason)
                .containsExactly("not an image file type (.txt)", "unreadable (no such file)");
    }

    @Test
    void cancellationStopsBetweenFiles() throws IOException {
        for (int i = 0; i < 5; i++) {
            put("c/" + i + ".png", ImageFixtures.encode8(".png", 2, 2, 3, pixels(2, 2, 3, i)));
        }
        MemorySink sink = new MemorySink();
        ImportReport r = ImageImporter.importPaths(List.of(dir.resolve("c")), sink,
                org.scribbleseg.engine.util.TaskMonitor.cancelledWhen(() -> sink.added.size() >= 2));
        assertThat(r.added()).hasSize(2);
    }
}
