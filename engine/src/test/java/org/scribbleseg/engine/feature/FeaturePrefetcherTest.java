package org.scribbleseg.engine.feature;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.RgbImage;

class FeaturePrefetcherTest {

    @TempDir
    Path tmp;

    final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    /** Per-pixel-block mean colour: a real (tiny) feature extractor, slow only when told to block. */
    static final class MeanColourBackbone implements Backbone {
        final AtomicInteger calls = new AtomicInteger();
        volatile CountDownLatch started;
        volatile CountDownLatch release;

        @Override
        public String key() {
            return "meancolour@2";
        }

        @Override
        public int channels() {
            return 3;
        }

        @Override
        public int stride() {
            return 2;
        }

        @Override
        public FeatureMap features(RgbImage image) {
            calls.incrementAndGet();
            if (started != null) {
                started.countDown();
            }
            if (release != null) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int h = image.height() / 2;
            int w = image.width() / 2;
            float[] d = new float[3 * h * w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float s = 0;
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                s += image.get(2 * x + dx, 2 * y + dy, c);
                            }
                        }
                        d[(c * h + y) * w + x] = s / 4;
                    }
                }
            }
            return new FeatureMap(3, h, w, d);
        }
    }

    static List<FeaturePrefetcher.Item> items(int n) {
        List<FeaturePrefetcher.Item> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[8 * 6 * 3];
            for (int j = 0; j < px.length; j++) {
                px[j] = (byte) (i * 31 + j);
            }
            String sha = String.format("%064x", i + 1);
            list.add(FeaturePrefetcher.Item.of(sha, new RgbImage(8, 6, px)));
        }
        return list;
    }

    @Test
    void fillsTheCacheAndReportsProgress() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        MeanColourBackbone bb = new MeanColourBackbone();
        List<FeaturePrefetcher.Item> items = items(5);
        List<int[]> progress = Collections.synchronizedList(new ArrayList<>());
        FeaturePrefetcher.Result r = new FeaturePrefetcher(cache, pool)
                .start(bb, items, (d, t) -> progress.add(new int[] {d, t})).await(10, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isFalse();
        assertThat(r.computed()).isEqualTo(5);
        assertThat(progress).extracting(p -> p[0]).containsExactly(1, 2, 3, 4, 5);
        assertThat(progress).extracting(p -> p[1]).containsOnly(5);
        for (FeaturePrefetcher.Item it : items) {
            FeatureMap cached = cache.get(bb.key(), it.sha256()).orElseThrow();
            assertThat(cached.data()).containsExactly(bb.features(it.image().get()).data());
        }
        int callsBefore = bb.calls.get();
        FeaturePrefetcher.Result again = new FeaturePrefetcher(cache, pool).start(bb, items, null).await(10, TimeUnit.SECONDS);
        assertThat(again.alreadyCached()).isEqualTo(5);
        assertThat(again.computed()).isZero();
        assertThat(bb.calls.get()).isEqualTo(callsBefore);
    }

    @Test
    void cancelStopsBeforeTheNextImage() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        MeanColourBackbone bb = new MeanColourBackbone();
        bb.started = new CountDownLatch(1);
        bb.release = new CountDownLatch(1);
        List<FeaturePrefetcher.Item> items = items(6);
        FeaturePrefetcher.Handle h = new FeaturePrefetcher(cache, pool).start(bb, items, null);
        assertThat(bb.started.await(10, TimeUnit.SECONDS)).isTrue();
        h.cancel();
        bb.release.countDown();
        FeaturePrefetcher.Result r = h.await(10, TimeUnit.SECONDS);
        assertThat(r.cancelled()).isTrue();
        assertThat(r.computed()).isEqualTo(1);
        assertThat(bb.calls.get()).isEqualTo(1);
        assertThat(cache.contains(bb.key(), items.get(0).sha256())).isTrue();
        for (int i = 1; i < items.size(); i++) {
            assertThat(cache.contains(bb.key(), items.get(i).sha256())).isFalse();
        }
    }

    @Test
    void aFailingImageIsReportedAndTheRestContinue() throws Exception {
        FeatureCache cache = FeatureCache.forProject(tmp);
        MeanColourBackbone bb = new MeanColourBackbone();
        List<FeaturePrefetcher.Item> items = new ArrayList<>(items(3));
        items.set(1, new FeaturePrefetcher.Item(items.get(1).sha256(), () -> {
            throw new IllegalStateException("unreadable image");
        }));
        FeaturePrefetcher.Result r = new FeaturePrefetcher(cache, pool).start(bb, items, null).await(10, TimeUnit.SECONDS);
        assertThat(r.failed()).containsExactly(items.get(1).sha256());
        assertThat(r.computed()).isEqualTo(2);
    }
}
