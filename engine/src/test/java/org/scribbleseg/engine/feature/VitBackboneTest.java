package org.scribbleseg.engine.feature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.VitPreprocess;

class VitBackboneTest {
    private static final int LEAK_RUNS = 1000;

    static Path fixture(String name) throws Exception {
        return Path.of(Objects.requireNonNull(VitBackboneTest.class.getResource("/fixtures/" + name + "/config.json"))
                .toURI()).getParent();
    }

    static RgbImage randomImage(int w, int h, long seed) {
        byte[] b = new byte[w * h * 3];
        new Random(seed).nextBytes(b);
        return new RgbImage(w, h, b);
    }

    @Test
    void targetSizeKeepsAspectInPatchMultiples() {
        assertThat(VitPreprocess.targetSize(640, 480, 518, 14)).containsExactly(518, 392);
        assertThat(VitPreprocess.targetSize(480, 640, 518, 14)).containsExactly(392, 518);
        assertThat(VitPreprocess.targetSize(1000, 10, 518, 14)).containsExactly(518, 14);
        assertThat(VitPreprocess.targetSize(500, 375, 448, 16)).containsExactly(448, 336);
    }

    @Test
    void dinov2FeaturesAreFinalNormedPatchTokensChannelMajor() throws Exception {
        Path dir = fixture("dinov2-tiny");
        RgbImage img = randomImage(98, 70, 1); // already at the target size for resolution 98: no resize
        try (Dinov2Backbone bb = Dinov2Backbone.load("dinov2-tiny", dir, 98);
                NDManager m = NDManager.newBaseManager();
                Dinov2Model ref = Dinov2Model.load(dir, m)) {
            assertThat(bb.key()).isEqualTo("dinov2-tiny@98");
            assertThat(bb.stride()).isEqualTo(14);
            FeatureMap f = bb.features(img);
            assertThat(f.channels()).isEqualTo(64);
            assertThat(f.height()).isEqualTo(5);
            assertThat(f.width()).isEqualTo(7);
            // independent normalization and the raw token layout: token 1 + y*w + x, channel c
            float[] chw = new float[3 * 98 * 70];
            for (int y = 0; y < 70; y++) {
                for (int x = 0; x < 98; x++) {
                    for (int c = 0; c < 3; c++) {
                        chw[(c * 70 + y) * 98 + x] = (img.get(x, y, c) / 255f - VitPreprocess.IMAGENET_MEAN[c])
                                / VitPreprocess.IMAGENET_STD[c];
                    }
                }
            }
            NDArray xNorm = ref.forward(m.create(chw, new Shape(1, 3, 70, 98)), false).xNorm();
            float[] tok = xNorm.toFloatArray();
            for (int c = 0; c < 64; c += 7) {
                for (int y = 0; y < 5; y++) {
                    for (int x = 0; x < 7; x++) {
                        assertThat(f.get(c, y, x)).isCloseTo(tok[(1 + y * 7 + x) * 64 + c], within(1e-5f));
                    }
                }
            }
            // a resized image gives the grid of its target size
            FeatureMap g = bb.features(randomImage(300, 200, 2));
            assertThat(g.width()).isEqualTo(7);
            assertThat(g.height()).isEqualTo(5);
        }
    }

    @Test
    void clipFeaturesAreMaskClipDenseEmbeddings() throws Exception {
        Path dir = fixture("clip-tiny");
        RgbImage img = randomImage(80, 96, 3); // 5 x 6 grid at patch 16, long side 96
        try (ClipBackbone bb = ClipBackbone.load("clip-tiny", dir, 96);
                NDManager m = NDManager.newBaseManager();
                ClipModel ref = ClipModel.load(dir, m, false)) {
            assertThat(bb.key()).isEqualTo("clip-tiny@96");
            FeatureMap f = bb.features(img);
            assertThat(f.channels()).isEqualTo(32);
            assertThat(f.height()).isEqualTo(6);
            assertThat(f.width()).isEqualTo(5);
            VitPreprocess.Input in = VitPreprocess.prepare(img, 96, 16, VitPreprocess.CLIP_MEAN, VitPreprocess.CLIP_STD);
            assertThat(in.chw()[0]).isCloseTo((img.get(0, 0, 0) / 255f - 0.48145466f) / 0.26862954f, within(1e-6f));
            float[] dense = ref.encodeImage(m.create(in.chw(), new Shape(1, 3, 96, 80)), false, true).denseEmbeds()
                    .toFloatArray();
            for (int c = 0; c < 32; c++) {
                for (int p = 0; p < 30; p++) {
                    assertThat(f.get(c, p / 5, p % 5)).isCloseTo(dense[p * 32 + c], within(1e-5f));
                }
            }
        }
    }

    @Test
    void thousandExtractionsLeakNothing() throws Exception {
        // its own JVM: native memory of the whole surefire JVM also moves with every other test's allocations
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), LeakRun.class.getName(), fixture("dinov2-tiny").toString(),
                Integer.toString(LEAK_RUNS));
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        String line = out.lines().filter(l -> l.startsWith("LEAK ")).findFirst().orElseThrow(() -> new AssertionError(out));
        String[] v = line.split(" ");
        long arrays = Long.parseLong(v[1]);
        long arraysAfter = Long.parseLong(v[2]);
        long early = Long.parseLong(v[3]);
        long late = Long.parseLong(v[4]);
        long leftAfterClose = Long.parseLong(v[5]);
        System.out.printf("leak test: %d extractions, live NDArrays %d -> %d, min RSS - Java heap early %d MB, late %d MB "
                + "(growth %d KB)%n", LEAK_RUNS, arrays, arraysAfter, early / 1024, late / 1024, late - early);
        assertThat(arraysAfter).isEqualTo(arrays);
        if (early > 0) {
            assertThat(late - early).as("RSS growth in KB").isLessThan(160 * 1024);
        }
        assertThat(leftAfterClose).isZero();
    }

    static long nativeKb() {
        long rss = rssKb();
        return rss < 0 ? -1 : rss - Runtime.getRuntime().totalMemory() / 1024;
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
