package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;

class WeakLabelHeadTest {

    static final int W = 64;
    static final int H = 48;
    static final int C = 8;

    /** Full-resolution features: noise plus a class-dependent mean in channels 0..2; class = region of the image. */
    static int truthAt(int x, int y) {
        return x < W / 3 ? 0 : (y < H / 2 ? 3 : 7); // label values 0, 3, 7 (not contiguous on purpose)
    }

    static FeatureMap features(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = new float[C * H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int t = truthAt(x, y);
                for (int c = 0; c < C; c++) {
                    double mu = c == 0 ? (t == 0 ? 2 : 0) : c == 1 ? (t == 3 ? 2 : 0) : c == 2 ? (t == 7 ? 2 : 0) : 0;
                    d[(c * H + y) * W + x] = (float) (mu + 0.4 * r.nextGaussian() + (c == 5 ? 100 : 0));
                }
            }
        }
        return new FeatureMap(C, H, W, d);
    }

    static LabelMap sparseLabels() {
        LabelMap m = LabelMap.unlabelled(W, H);
        for (int y = 0; y < H; y += 5) {
            for (int x = 0; x < W; x += 7) {
                m.set(x, y, truthAt(x, y));
            }
        }
        return m;
    }

    static LabelMap denseLabels() {
        LabelMap dense = new LabelMap(W, H, new byte[W * H]);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                dense.set(x, y, truthAt(x, y));
            }
        }
        return dense;
    }

    @Test
    void reachesHighAccuracyOnSeparableCase() {
        FeatureMap f = features(1);
        WeakLabelHead trainer = new WeakLabelHead(WeakLabelHead.Config.defaults());
        LinearHead head = trainer.train(List.of(new TrainingImage("a", 1, f, sparseLabels(), 1.0)));
        assertThat(head.classValues()).containsExactly(0, 3, 7);
        Prediction p = new HeadPredictor(false).predict(head, f, W, H, null);
        int ok = 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                ok += p.labels().get(x, y) == truthAt(x, y) ? 1 : 0;
            }
        }
        assertThat(ok / (double) (W * H)).isGreaterThanOrEqualTo(0.98);
        assertThat(trainer.lastStats().optimiser().finalLoss()).isLessThan(trainer.lastStats().optimiser().initialLoss());
    }

    @Test
    void voidPixelsAreNeverSampled() {
        FeatureMap f = features(2);
        LabelMap labels = sparseLabels();
        // a copy whose features differ wherever the label is void (nearest feature cells are those pixels, so only
        // the bilinear weight of labelled pixel centres matters: at full resolution that is the pixel itself)
        float[] d2 = f.data().clone();
        SplittableRandom r = new SplittableRandom(9);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (labels.get(x, y) == LabelMap.VOID) {
                    for (int c = 0; c < C; c++) {
                        d2[(c * H + y) * W + x] = (float) (r.nextGaussian() * 50);
                    }
                }
            }
        }
        FeatureMap f2 = new FeatureMap(C, H, W, d2);
        LinearHead a = new WeakLabelHead(WeakLabelHead.Config.defaults()).train(List.of(new TrainingImage("a", 1, f, labels, 1)));
        LinearHead b = new WeakLabelHead(WeakLabelHead.Config.defaults()).train(List.of(new TrainingImage("a", 1, f2, labels, 1)));
        assertThat(b.weights()).containsExactly(a.weights());
        assertThat(b.bias()).containsExactly(a.bias());
        assertThat(b.mean()).containsExactly(a.mean());
        // and the sampler takes exactly the labelled pixels when they are fewer than N
        WeakLabelHead.Samples s = WeakLabelHead.sample(new TrainingImage("a", 1, f, labels, 1), 2000, 42);
        assertThat((long) s.size()).isEqualTo(labels.labelledCount());
    }

    @Test
    void capsSamplesPerImageAndClassStratified() {
        FeatureMap f = features(3);
        LabelMap dense = denseLabels();
        WeakLabelHead.Samples s = WeakLabelHead.sample(new TrainingImage("d", 1, f, dense, 0.3), 100, 42);
        assertThat(s.size()).isEqualTo(300);
        assertThat(s.weights()[0]).isEqualTo(0.3f);
    }

    @Test
    void deterministicForFixedSeedAndWarmStartKeepsQuality() {
        FeatureMap f = features(4);
        LabelMap dense = denseLabels();
        WeakLabelHead.Config cfg = WeakLabelHead.Config.defaults().withMaxSamplesPerClass(50);
        LinearHead a = new WeakLabelHead(cfg).train(List.of(new TrainingImage("d", 1, f, dense, 1)));
        LinearHead b = new WeakLabelHead(cfg).train(List.of(new TrainingImage("d", 1, f, dense, 1)));
        assertThat(b.weights()).containsExactly(a.weights());
        // warm start: a second revision starting from the first head starts at a loss no higher than from scratch
        WeakLabelHead trainer = new WeakLabelHead(cfg.withMaxSteps(0));
        trainer.train(List.of(new TrainingImage("d", 1, f, dense, 1)));
        double cold = trainer.lastStats().optimiser().initialLoss();
        WeakLabelHead warm = new WeakLabelHead(cfg);
        warm.train(List.of(new TrainingImage("d", 1, f, dense, 1)));
        warm.train(List.of(new TrainingImage("d", 2, f, dense, 1), new TrainingImage("s", 1, f, sparseLabels(), 1)));
        assertThat(warm.lastStats().optimiser().initialLoss()).isLessThan(cold * 0.5);
    }

    @Test
    void totalCapLowersEveryGroupUniformly() {
        // image a: class 0 × 1000, class 3 × 100; image b: class 7 × 400 → cap 700 gives m = 300: 300 + 100 + 300
        int[] a = labels(new int[] {0, 1000}, new int[] {3, 100});
        int[] b = labels(new int[] {7, 400});
        List<int[]> kept = WeakLabelHead.capIndices(List.of(a, b), 700);
        assertThat(kept.get(0)).hasSize(400);
        assertThat(kept.get(1)).hasSize(300);
        int[] zeros = java.util.Arrays.stream(kept.get(0)).filter(i -> a[i] == 0).toArray();
        assertThat(zeros).hasSize(300);
        // evenly spaced: class 0 comes first, so its indices are its raster ranks, and the kept ones span the group
        assertThat(zeros[0]).isLessThan(5);
        assertThat(zeros[zeros.length - 1]).isGreaterThan(990);
        // nested: a lower cap keeps a subset of what a higher one kept (no feature map is read again)
        List<int[]> tighter = WeakLabelHead.capIndices(List.of(a, b), 400);
        for (int p = 0; p < 2; p++) {
            java.util.Set<Integer> before = java.util.Arrays.stream(kept.get(p)).boxed().collect(java.util.stream.Collectors.toSet());
            assertThat(before).containsAll(java.util.Arrays.stream(tighter.get(p)).boxed().toList());
        }
        // spread: every prefix of the bit-reversed order covers the whole group
        boolean[] ten = WeakLabelHead.spreadPrefix(1000, 10);
        int[] at = java.util.stream.IntStream.range(0, 1000).filter(i -> ten[i]).toArray();
        assertThat(at).hasSize(10);
        for (int i = 1; i < at.length; i++) {
            assertThat(at[i] - at[i - 1]).isBetween(50, 260);
        }
        // no cap: everything is kept
        List<int[]> all = WeakLabelHead.capIndices(List.of(a, b), 0);
        assertThat(all.get(0)).hasSize(a.length).isSorted();
        assertThat(all.get(1)).hasSize(b.length).isSorted();
    }

    /** The held-out calibration samples are cut per class the way the total cap cuts training samples. */
    @Test
    void limitPerClassKeepsTheCapsSpreadSubsetWithItsRows() {
        int[] a = labels(new int[] {0, 1000}, new int[] {3, 100});
        int c = 2;
        float[] f = new float[a.length * c];
        float[] w = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i * c] = i;
            f[i * c + 1] = -i;
            w[i] = i % 3 + 1;
        }
        WeakLabelHead.Samples s = new WeakLabelHead.Samples(c, f, a, w);
        WeakLabelHead.Samples cut = WeakLabelHead.limitPerClass(s, 300);
        int[] expected = WeakLabelHead.indicesAt(List.of(a), 300).get(0);
        assertThat(cut.size()).isEqualTo(400);
        for (int o = 0; o < expected.length; o++) {
            int i = expected[o];
            assertThat(cut.labels()[o]).isEqualTo(a[i]);
            assertThat(cut.weights()[o]).isEqualTo(w[i]);
            assertThat(cut.features()[o * c]).isEqualTo((float) i);
            assertThat(cut.features()[o * c + 1]).isEqualTo((float) -i);
        }
        assertThat(WeakLabelHead.limitPerClass(s, 1000)).isSameAs(s);
    }

    /**
     * A stroke on one image must not move the per-(image, class) cap while the total stays within 10 % of the
     * budget: otherwise every other image's kept samples (and their prepared blocks) change after every stroke.
     */
    @Test
    void capStaysPutWhileTheTotalIsNearTheBudget() {
        int[] a = labels(new int[] {0, 1000}, new int[] {3, 100});
        int[] b = labels(new int[] {7, 400});
        int m = WeakLabelHead.stickyCap(List.of(a, b), 700, 0);
        assertThat(m).isEqualTo(300);
        // b gains 50 pixels of class 3: the exact cap would drop to 275, the sticky one stays (total 750 ≤ 770)
        int[] b2 = labels(new int[] {3, 50}, new int[] {7, 400});
        assertThat(WeakLabelHead.stickyCap(List.of(a, b2), 700, 0)).isEqualTo(275);
        assertThat(WeakLabelHead.stickyCap(List.of(a, b2), 700, m)).isEqualTo(300);
        List<int[]> before = WeakLabelHead.indicesAt(List.of(a, b), m);
        List<int[]> after = WeakLabelHead.indicesAt(List.of(a, b2), m);
        assertThat(after.get(0)).containsExactly(before.get(0)); // the untouched image keeps exactly its samples
        // far over the budget (+200 pixels: 900 > 770): recomputed
        int[] b3 = labels(new int[] {3, 200}, new int[] {7, 400});
        assertThat(WeakLabelHead.stickyCap(List.of(a, b3), 700, m)).isEqualTo(WeakLabelHead.stickyCap(List.of(a, b3), 700, 0))
                .isLessThan(m);
        // and far under it (an image removed): recomputed to use the budget
        assertThat(WeakLabelHead.stickyCap(List.of(a), 700, 50)).isEqualTo(600);
    }

    /**
     * Lazy images: the maps of an image whose labels did not change are never fetched again, even when more images
     * lower the per-image cap (the kept samples are a subset of the rows already read).
     */
    @Test
    void unchangedLazyImagesAreNotFetchedAgainWhenTheCapTightens() {
        WeakLabelHead trainer = new WeakLabelHead(WeakLabelHead.Config.defaults().withMaxTotalSamples(600));
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        List<TrainingImage> images = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            FeatureMap f = features(i);
            LabelMap l = denseLabels();
            Object source = new Object();
            images.add(TrainingImage.lazy("img" + i, 1, source, W, H, () -> {
                fetches.incrementAndGet();
                return f;
            }, () -> {
                fetches.incrementAndGet();
                return l;
            }, 1.0));
        }
        LinearHead first = trainer.train(images);
        assertThat(first).isNotNull();
        int afterFirst = fetches.get();
        assertThat(afterFirst).as("labels and features once per image").isEqualTo(6);
        // a fourth image: the cap per (image, class) drops, the first three keep a subset of their samples
        FeatureMap f3 = features(3);
        images.add(new TrainingImage("img3", 1, f3, denseLabels(), 1.0));
        trainer.train(images);
        assertThat(fetches.get()).isEqualTo(afterFirst);
        assertThat(trainer.lastStats().samples()).isLessThanOrEqualTo(600).isGreaterThan(500);
    }

    /** Label values of the given (value, count) groups, class runs in order. */
    static int[] labels(int[]... groups) {
        return java.util.Arrays.stream(groups)
                .flatMapToInt(g -> java.util.stream.IntStream.generate(() -> g[0]).limit(g[1])).toArray();
    }

    /**
     * The objective runs on the raw samples with the standardisation folded into the weights; it must give the
     * loss and gradient of the textbook formula on the standardised samples (double precision here), also when
     * the features sit far from zero (offset 50, spread 0.5: the cancellation the folding risks) and over several
     * parts and chunks.
     */
    @Test
    void objectiveOnRawSamplesMatchesTheStandardisedFormula() {
        SplittableRandom r = new SplittableRandom(7);
        int c = 37;
        int k = 5;
        int[] sizes = {3, 700, 1, 1500, 0, 260};
        List<WeakLabelHead.Samples> parts = new java.util.ArrayList<>();
        int n = 0;
        for (int size : sizes) {
            if (size == 0) {
                continue; // the fit drops empty parts before the objective sees them
            }
            float[] f = new float[size * c];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) (50 + (i % c) + 0.5 * r.nextGaussian());
            }
            parts.add(new WeakLabelHead.Samples(c, f, new int[size], new float[size]));
            n += size;
        }
        int[][] y = new int[parts.size()][];
        float[][] w = new float[parts.size()][];
        double[] mu = new double[c];
        double[] sd = new double[c];
        for (int p = 0; p < parts.size(); p++) {
            int size = parts.get(p).size();
            y[p] = new int[size];
            w[p] = new float[size];
            for (int i = 0; i < size; i++) {
                y[p][i] = r.nextInt(k);
                w[p][i] = (float) ((0.5 + r.nextDouble()) / n);
                for (int j = 0; j < c; j++) {
                    double v = parts.get(p).features()[i * c + j];
                    mu[j] += v / n;
                    sd[j] += v * v / n;
                }
            }
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int j = 0; j < c; j++) {
            mean[j] = (float) mu[j];
            std[j] = (float) Math.sqrt(sd[j] - mu[j] * mu[j]);
        }
        double[] theta = new double[c * k + k];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.3 * r.nextGaussian();
        }
        double decay = 1e-3;
        // the textbook: u = (x − μ)/σ, z = W u + b, loss = Σ w (logsumexp z − z_y) + decay/2 |W|², in double
        double refLoss = 0;
        double[] refGrad = new double[theta.length];
        double[] u = new double[c];
        double[] z = new double[k];
        for (int p = 0; p < parts.size(); p++) {
            float[] f = parts.get(p).features();
            for (int s = 0; s < y[p].length; s++) {
                for (int i = 0; i < c; i++) {
                    u[i] = (f[s * c + i] - mean[i]) / (double) std[i];
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    z[j] = theta[c * k + j];
                    for (int i = 0; i < c; i++) {
                        z[j] += theta[i * k + j] * u[i];
                    }
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += Math.exp(z[j] - max);
                }
                refLoss += w[p][s] * (Math.log(sum) + max - z[y[p][s]]);
                for (int j = 0; j < k; j++) {
                    double d = w[p][s] * (Math.exp(z[j] - max) / sum - (j == y[p][s] ? 1 : 0));
                    refGrad[c * k + j] += d;
                    for (int i = 0; i < c; i++) {
                        refGrad[i * k + j] += d * u[i];
                    }
                }
            }
        }
        for (int i = 0; i < c * k; i++) {
            refLoss += 0.5 * decay * theta[i] * theta[i];
            refGrad[i] += decay * theta[i];
        }
        double maxRef = java.util.Arrays.stream(refGrad).map(Math::abs).max().orElseThrow();
        assertThat(NativeGemm.whyUnavailable()).as("OpenBLAS on this platform").isNull();
        for (boolean gemm : new boolean[] {true, false}) {
            double[] grad = new double[theta.length];
            double loss = WeakLabelHead.objective(parts, y, w, mean, std, k, decay, theta, grad, gemm);
            assertThat(loss).as("loss, OpenBLAS %s", gemm).isCloseTo(refLoss, org.assertj.core.data.Offset.offset(1e-5 * refLoss));
            for (int i = 0; i < grad.length; i++) {
                assertThat(grad[i]).as("gradient %d, OpenBLAS %s", i, gemm)
                        .isCloseTo(refGrad[i], org.assertj.core.data.Offset.offset(1e-4 * maxRef));
            }
        }
    }
}
