package org.scribbleseg.engine.predict;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void fastExpIsAccurate() {
        for (float x = -30f; x <= 0f; x += 0.01f) {
            assertThat((double) org.scribbleseg.engine.train.FastExp.exp(x)).isCloseTo(Math.exp(x), org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
    }
}
