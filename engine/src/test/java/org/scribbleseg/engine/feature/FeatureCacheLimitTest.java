package org.scribbleseg.engine.feature;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature cache stays within its size limit, evicting least recently used maps but never pinned ones. */
class FeatureCacheLimitTest {

    static final String KEY = "dinov2-base@518";

    @TempDir
    Path tmp;

    static String sha(int i) {
        return String.format("%064x", i + 1);
    }

    static FeatureMap map(int seed) {
        float[] d = new float[4 * 8 * 8];
        for (int i = 0; i < d.length; i++) {
            d[i] = seed + i / 256f;
        }
        return new FeatureMap(4, 8, 8, d);
    }

    static final long FILE_BYTES = FeatureCache.encode(map(0)).length;

    /** Puts maps 0..n-1 whose last use is 1 h ago + i s, so their LRU order is 0 (oldest) .. n-1. */
    private FeatureCache filled(int n, long limitFiles) throws Exception {
        FeatureCache cache = FeatureCache.atRoot(tmp.resolve("features"));
        cache.setLimitBytes(limitFiles * FILE_BYTES);
        long base = System.currentTimeMillis() - 3_600_000;
        for (int i = 0; i < n; i++) {
            cache.put(KEY, sha(i), map(i));
            Files.setLastModifiedTime(cache.pathFor(KEY, sha(i)), FileTime.fromMillis(base + i * 1000L));
        }
        return cache;
    }

    private List<String> cached(FeatureCache cache) {
        return cache.entries().stream().map(FeatureCache.Entry::sha256).sorted().toList();
    }

    @Test
    void overTheLimitTheLeastRecentlyUsedUnpinnedMapsGo() throws Exception {
        FeatureCache cache = filled(5, 5);
        assertThat(cache.sizeBytes()).isEqualTo(5 * FILE_BYTES);
        cache.setPinned(() -> Set.of(sha(0))); // e.g. a labelled image: oldest, but kept
        assertThat(cache.get(KEY, sha(1))).isPresent(); // a hit makes map 1 the most recently used

        cache.put(KEY, sha(5), map(5)); // 6 maps > 5: trimmed to 90 % of the limit, i.e. 4 maps

        assertThat(cached(cache)).containsExactly(sha(0), sha(1), sha(4), sha(5));
        assertThat(cache.sizeBytes()).isLessThanOrEqualTo(cache.limitBytes() * 9 / 10);
    }

    @Test
    void anEvictedMapIsRecomputedTransparently() throws Exception {
        FeatureCache cache = filled(3, 3);
        cache.put(KEY, sha(3), map(3)); // evicts map 0 (and 1: 90 % of 3 maps is 2.7)
        assertThat(cache.contains(KEY, sha(0))).isFalse();

        AtomicInteger computed = new AtomicInteger();
        FeatureMap again = cache.getOrCompute(KEY, sha(0), () -> {
            computed.incrementAndGet();
            return map(0);
        });
        assertThat(computed).hasValue(1);
        assertThat(again.data()).containsExactly(map(0).data());
        assertThat(cache.contains(KEY, sha(0))).as("stored again").isTrue();
        // and now it is a plain hit
        cache.getOrCompute(KEY, sha(0), () -> {
            computed.incrementAndGet();
            return map(0);
        });
        assertThat(computed).hasValue(1);
    }

    @Test
    void pinnedMapsStayEvenWhenTheyAloneExceedTheLimit() throws Exception {
        FeatureCache cache = filled(2, 10);
        cache.setPinned(() -> Set.of(sha(0), sha(1), sha(2), sha(3)));
        cache.setLimitBytes(2 * FILE_BYTES);
        cache.put(KEY, sha(2), map(2));
        cache.put(KEY, sha(3), map(3));
        assertThat(cached(cache)).containsExactly(sha(0), sha(1), sha(2), sha(3));
    }

    @Test
    void theLimitCountsEveryBackboneAndClearEmptiesAll() throws Exception {
        FeatureCache cache = filled(3, 4);
        cache.put("classic-s4", sha(7), map(7));
        assertThat(cache.sizeBytes()).isEqualTo(4 * FILE_BYTES);
        cache.put("classic-s4", sha(8), map(8)); // 5 > 4: the two oldest dinov2 maps go
        assertThat(cached(cache)).containsExactly(sha(2), sha(7), sha(8));

        assertThat(cache.clear()).isEqualTo(3 * FILE_BYTES);
        assertThat(cache.sizeBytes()).isZero();
        assertThat(cache.get(KEY, sha(2))).isEmpty();
    }

    @Test
    void loweringTheLimitTrimsNow() throws Exception {
        FeatureCache cache = filled(6, 100);
        assertThat(cache.trim()).as("within the limit: nothing").isZero();
        cache.setLimitBytes(3 * FILE_BYTES);
        assertThat(cache.trim()).isEqualTo(4 * FILE_BYTES); // down to 2.7 maps: 2 kept
        assertThat(cached(cache)).containsExactly(sha(4), sha(5));
    }
}
