package org.scribbleseg.engine.feature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {

    static final String SHA = "a".repeat(64);
    static final String KEY = "dinov2-small@518";

    @TempDir
    Path tmp;

    @Test
    void everyHalfRoundTripsExactly() {
        for (int h = 0; h < 65536; h++) {
            float f = FeatureCache.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(FeatureCache.toFloat(FeatureCache.toHalf(f)))).isTrue();
                continue;
            }
            assertThat(FeatureCache.toHalf(f) & 0xffff).as("half %04x", h).isEqualTo(h);
        }
        assertThat(FeatureCache.toFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(FeatureCache.toFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(FeatureCache.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(FeatureCache.toFloat((short) 0xc000)).isEqualTo(-2f);
    }

    @Test
    void midpointsRoundToEven() {
        for (int h = 0; h < 0x7bff; h++) { // all finite positive halves and their upper neighbour
            float lo = FeatureCache.toFloat((short) h);
            float hi = FeatureCache.toFloat((short) (h + 1));
            float mid = (lo + hi) / 2; // exact: halves have 11 significant bits
            int even = (h & 1) == 0 ? h : h + 1;
            assertThat(FeatureCache.toHalf(mid) & 0xffff).as("midpoint above %04x", h).isEqualTo(even);
            assertThat(FeatureCache.toHalf(Math.nextDown(mid)) & 0xffff).isEqualTo(h);
            assertThat(FeatureCache.toHalf(Math.nextUp(mid)) & 0xffff).isEqualTo(h + 1);
            assertThat(FeatureCache.toHalf(-mid) & 0xffff).isEqualTo(even | 0x8000);
        }
        assertThat(FeatureCache.toHalf(65520f) & 0xffff).as("overflow midpoint rounds to inf").isEqualTo(0x7c00);
        assertThat(FeatureCache.toHalf(1e10f) & 0xffff).isEqualTo(0x7c00);
        assertThat(FeatureCache.toHalf(Float.NEGATIVE_INFINITY) & 0xffff).isEqualTo(0xfc00);
        assertThat(FeatureCache.toHalf(0x1p-26f) & 0xffff).as("below half the smallest subnormal").isZero();
        assertThat(FeatureCache.toHalf(0x1p-25f) & 0xffff).as("tie with zero rounds to even zero").isZero();
        assertThat(FeatureCache.toHalf(Math.nextUp(0x1p-25f)) & 0xffff).isEqualTo(1);
        assertThat(FeatureCache.toHalf(-0f) & 0xffff).isEqualTo(0x8000);
    }

    @Test
    void randomFloatsGoToTheNearestHalf() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(40) - 25));
            int h = FeatureCache.toHalf(x) & 0xffff;
            double err = Math.abs((double) FeatureCache.toFloat((short) h) - x);
            int mag = h & 0x7fff;
            for (int nb : new int[] {mag - 1, mag + 1}) {
                if (nb < 0 || nb > 0x7bff) {
                    continue;
                }
                double other = Math.abs(Math.copySign(FeatureCache.toFloat((short) nb), x) - (double) x);
                assertThat(err).as("x=%s", x).isLessThanOrEqualTo(other);
            }
        }
    }

    @Test
    void mapRoundTripWithinHalfPrecision() {
        FeatureCache cache = FeatureCache.forProject(tmp);
        FeatureMap map = randomMap(384, 37, 37, 1);
        cache.put(KEY, SHA, map);
        FeatureMap back = cache.get(KEY, SHA).orElseThrow();
        assertThat(back.channels()).isEqualTo(384);
        assertThat(back.height()).isEqualTo(37);
        assertThat(back.width()).isEqualTo(37);
        for (int i = 0; i < map.data().length; i++) {
            float v = map.data()[i];
            float tol = Math.max(Math.abs(v) * 0x1p-11f, 0x1p-25f);
            assertThat(Math.abs(back.data()[i] - v)).isLessThanOrEqualTo(tol);
        }
        Path file = cache.pathFor(KEY, SHA);
        assertThat(file).startsWith(tmp.resolve("cache").resolve("features"));
        assertThat(file.getFileName().toString()).isEqualTo(SHA + ".bin");
        assertThat(file).hasSize(32 + 384L * 37 * 37 * 2);
    }

    @Test
    void keysAreSanitisedWithoutCollisions() {
        assertThat(FeatureCache.sanitiseKey("classic-v1")).isEqualTo("classic-v1");
        String a = FeatureCache.sanitiseKey("dinov2-small@518");
        String b = FeatureCache.sanitiseKey("dinov2-small_518");
        assertThat(a).startsWith("dinov2-small_518-").matches("[A-Za-z0-9._-]+").isNotEqualTo(b);
        assertThat(FeatureCache.sanitiseKey("../etc")).doesNotContain("/");
        assertThat(FeatureCache.sanitiseKey("..")).isNotEqualTo("..");
        assertThatThrownBy(() -> FeatureCache.forProject(tmp).pathFor(KEY, "../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void corruptedHeaderIsDetectedDeletedAndRecomputed() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        FeatureMap map = randomMap(8, 5, 4, 2);
        cache.put(KEY, SHA, map);
        Path file = cache.pathFor(KEY, SHA);
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] ^= 1; // channels field
        Files.write(file, bytes);
        assertThat(cache.get(KEY, SHA)).isEmpty();
        assertThat(file).doesNotExist();

        cache.put(KEY, SHA, map);
        bytes = Files.readAllBytes(file);
        bytes[40] ^= 0x10; // one payload bit: caught by the CRC
        Files.write(file, bytes);
        AtomicInteger computed = new AtomicInteger();
        FeatureMap got = cache.getOrCompute(KEY, SHA, () -> {
            computed.incrementAndGet();
            return map;
        });
        assertThat(computed).hasValue(1);
        assertThat(got).isSameAs(map);
        assertThat(cache.get(KEY, SHA)).isPresent();
        cache.getOrCompute(KEY, SHA, () -> {
            throw new AssertionError("must come from the cache");
        });
    }

    @Test
    void truncatedFileIsDetected() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        cache.put(KEY, SHA, randomMap(8, 5, 4, 3));
        Path file = cache.pathFor(KEY, SHA);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 2));
        assertThat(cache.get(KEY, SHA)).isEmpty();
        assertThat(file).doesNotExist();
        cache.put(KEY, SHA, randomMap(8, 5, 4, 3));
        Files.write(file, Arrays.copyOf(bytes, 20));
        assertThat(cache.get(KEY, SHA)).isEmpty();
        assertThatThrownBy(() -> FeatureCache.decode(new byte[0])).isInstanceOf(FeatureCache.CorruptFeatureFileException.class);
    }

    @Test
    void concurrentReadersNeverSeeAPartialFile() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        FeatureMap a = constantMap(256, 37, 37, 1.5f);
        FeatureMap b = constantMap(256, 37, 37, -0.25f);
        cache.put(KEY, SHA, a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        Thread[] readers = new Thread[3];
        for (int t = 0; t < readers.length; t++) {
            readers[t] = new Thread(() -> {
                while (!stop.get()) {
                    Optional<FeatureMap> m = cache.get(KEY, SHA);
                    if (m.isEmpty()) {
                        problem.compareAndSet(null, "a read found no valid file while one always exists");
                        return;
                    }
                    float first = m.get().data()[0];
                    if (first != 1.5f && first != -0.25f) {
                        problem.compareAndSet(null, "unexpected value " + first);
                    }
                    for (float v : m.get().data()) {
                        if (v != first) {
                            problem.compareAndSet(null, "mixed content in one read");
                            return;
                        }
                    }
                    reads.incrementAndGet();
                }
            });
            readers[t].start();
        }
        for (int i = 0; i < 150 && problem.get() == null; i++) {
            cache.put(KEY, SHA, (i & 1) == 0 ? b : a);
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertThat(problem.get()).isNull();
        assertThat(reads.get()).isPositive();
        try (var files = Files.list(cache.pathFor(KEY, SHA).getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(SHA + ".bin");
        }
    }

    static FeatureMap randomMap(int c, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextGaussian() * 3);
        }
        return new FeatureMap(c, h, w, d);
    }

    static FeatureMap constantMap(int c, int h, int w, float v) {
        float[] d = new float[c * h * w];
        Arrays.fill(d, v);
        return new FeatureMap(c, h, w, d);
    }
}
