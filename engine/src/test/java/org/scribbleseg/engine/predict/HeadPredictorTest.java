package org.scribbleseg.engine.predict;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.train.LinearHead;

class HeadPredictorTest {

    static LinearHead randomHead(int c, int[] values, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] mean = new float[c];
        float[] std = new float[c];
        float[] w = new float[values.length * c];
        float[] b = new float[values.length];
        for (int i = 0; i < c; i++) {
            mean[i] = (float) r.nextGaussian();
            std[i] = (float) (0.5 + r.nextDouble());
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        return new LinearHead(values, mean, std, w, b);
    }

    static FeatureMap randomGrid(int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return new FeatureMap(c, h, w, d);
    }

    /** Upsampled-logit argmax equals the head applied to each pixel's bilinearly sampled feature. */
    @Test
    void matchesHeadOnSampledPixelFeatures() {
        int c = 6;
        int[] values = {0, 2, 5, 9};
        LinearHead head = randomHead(c, values, 1);
        FeatureMap f = randomGrid(c, 7, 9, 2);
        int iw = 61;
        int ih = 45;
        Prediction p = new HeadPredictor(true).predict(head, f, iw, ih, null);
        float[] feat = new float[c];
        int mismatches = 0;
        for (int y = 0; y < ih; y++) {
            for (int x = 0; x < iw; x++) {
                f.sample(x, y, iw, ih, feat, 0);
                double[] z = new double[values.length];
                double max = Double.NEGATIVE_INFINITY;
                int arg = 0;
                for (int k = 0; k < values.length; k++) {
                    z[k] = head.bias()[k];
                    for (int i = 0; i < c; i++) {
                        z[k] += head.weights()[k * c + i] * (feat[i] - head.mean()[i]) / head.std()[i];
                    }
                    if (z[k] > max) {
                        max = z[k];
                        arg = k;
                    }
                }
                double sum = 0;
                for (double v : z) {
                    sum += Math.exp(v - max);
                }
                mismatches += p.labels().get(x, y) == values[arg] ? 0 : 1;
                assertThat(p.confidenceAt(x, y)).isCloseTo((float) (1 / sum), org.assertj.core.data.Offset.offset(0.01f));
            }
        }
        assertThat(mismatches).isLessThanOrEqualTo(2); // float ties at decision boundaries only
        Prediction fast = new HeadPredictor(true).predictLabels(head, f, iw, ih, null);
        assertThat(fast.labels()).isEqualTo(p.labels());
        assertThat(fast.confidence()).isNull();
        assertThat(fast.meanUncertainty()).isBetween(0f, 1f);
        assertThat(p.meanUncertainty()).isBetween(0f, 1f);
    }

    @Test
    void absentTagsSuppressClasses() {
        int c = 4;
        int[] values = {0, 1, 2};
        LinearHead head = randomHead(c, values, 3);
        FeatureMap f = randomGrid(c, 10, 10, 4);
        Prediction all = new HeadPredictor(false).predict(head, f, 40, 40, null);
        boolean[] seen = new boolean[3];
        for (byte b : all.labels().data()) {
            seen[b] = true;
        }
        assertThat(seen[1]).isTrue();
        Prediction no1 = new HeadPredictor(false).predict(head, f, 40, 40, Set.of(1));
        for (int i = 0; i < 1600; i++) {
            int v = no1.labels().data()[i];
            assertThat(v).isNotEqualTo(1);
            if (all.labels().data()[i] != 1) {
                assertThat(v).isEqualTo(all.labels().data()[i]); // argmax elsewhere unchanged
                // renormalised: confidence can only grow when a class is removed
                assertThat(no1.confidence()[i] & 0xff).isGreaterThanOrEqualTo(all.confidence()[i] & 0xff);
            }
        }
        // only two classes allowed on the image: p1 >= 0.5 everywhere
        for (byte b : no1.confidence()) {
            assertThat(b & 0xff).isGreaterThanOrEqualTo(127);
        }
    }

    /** A smooth grid (a few blobs): most quads share their argmax, so the fast path's lookups are exercised. */
    static FeatureMap smoothGrid(int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < c; i++) {
            double cx = r.nextDouble() * w;
            double cy = r.nextDouble() * h;
            double s = 0.2 * (w + h) * (0.3 + r.nextDouble());
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    d[(i * h + y) * w + x] = (float) Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (s * s));
                }
            }
        }
        return new FeatureMap(c, h, w, d);
    }

    /** The labels-only fast path gives exactly the labels of the full prediction, for any grid/image ratio. */
    @Test
    void fastPathLabelsEqualFullPrediction() {
        int[][] sizes = {{37, 37, 518, 518}, {28, 37, 410, 307}, {12, 16, 61, 47}, {1, 1, 9, 7}, {5, 1, 33, 20}, {24, 32, 96, 128}};
        for (int t = 0; t < sizes.length; t++) {
            int gh = sizes[t][0];
            int gw = sizes[t][1];
            int iw = sizes[t][2];
            int ih = sizes[t][3];
            for (int smooth = 0; smooth < 2; smooth++) {
                FeatureMap f = smooth == 1 ? smoothGrid(6, gh, gw, t) : randomGrid(6, gh, gw, t);
                LinearHead head = randomHead(6, new int[] {0, 3, 7, 15}, 100 + t);
                for (Set<Integer> absent : List.of(Set.<Integer>of(), Set.of(3), Set.of(0, 3, 7, 15))) {
                    for (boolean par : new boolean[] {false, true}) {
                        HeadPredictor p = new HeadPredictor(par);
                        Prediction full = p.predict(head, f, iw, ih, absent);
                        Prediction fast = p.predictLabels(head, f, iw, ih, absent);
                        assertThat(fast.labels().data()).as("size %s smooth %s absent %s", t, smooth, absent)
                                .isEqualTo(full.labels().data());
                        assertThat(fast.confidence()).isNull();
                        assertThat((double) fast.meanUncertainty()).isBetween(0.0, 1.0);
                        if (smooth == 1 && gh * gw > 100) { // a grid-cell estimate of the per-pixel mean
                            assertThat((double) fast.meanUncertainty())
                                    .isCloseTo(full.meanUncertainty(), org.assertj.core.api.Assertions.within(0.1));
                        }
                    }
                }
            }
        }
    }

    @Test
    void fastExpIsAccurate() {
        for (float x = -30f; x <= 0f; x += 0.01f) {
            assertThat((double) org.scribbleseg.engine.train.FastExp.exp(x)).isCloseTo(Math.exp(x), org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
    }
}
