package org.scribbleseg.engine.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.eval.StrokeRaster;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.WeakLabelHead;

/** Temperature scaling: the fit finds the temperature the labels were drawn with, the split holds out whole blocks. */
class CalibrationTest {

    /** A 2-channel, 3-class head with identity standardisation whose logits are 4 × the features. */
    static LinearHead head() {
        return new LinearHead(new int[] {0, 1, 2}, new float[] {0, 0}, new float[] {1, 1},
                new float[] {4, 0, 0, 4, -4, -4}, new float[] {0, 0, 0});
    }

    @Test
    void theFitRecoversTheTemperatureLabelsWereDrawnWithAndScalingKeepsTheArgmax() {
        LinearHead h = head();
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 4000;
        float[] f = new float[n * 2];
        int[] labels = new int[n];
        double trueT = 2.5;
        for (int i = 0; i < n; i++) {
            float a = (float) rnd.nextDouble(-1, 1);
            float b = (float) rnd.nextDouble(-1, 1);
            f[2 * i] = a;
            f[2 * i + 1] = b;
            double[] z = {4 * a / trueT, 4 * b / trueT, (-4 * a - 4 * b) / trueT};
            double m = Math.max(z[0], Math.max(z[1], z[2]));
            double s = 0;
            for (double v : z) {
                s += Math.exp(v - m);
            }
            double u = rnd.nextDouble() * s;
            int y = 2;
            double acc = 0;
            for (int j = 0; j < 3; j++) { // draw the label from softmax(z / T)
                acc += Math.exp(z[j] - m);
                if (u < acc) {
                    y = j;
                    break;
                }
            }
            labels[i] = y;
        }
        WeakLabelHead.Samples s = new WeakLabelHead.Samples(2, f, labels, new float[n]);
        double t = Calibration.fitTemperature(h, List.of(s));
        assertThat(t).isCloseTo(trueT, within(0.3));
        // the NLL at the fitted temperature is below the raw head's
        Calibration.Logits l = Calibration.logits(h, List.of(s));
        assertThat(Calibration.nll(l, t)).isLessThan(Calibration.nll(l, 1.0));

        LinearHead c = Calibration.withTemperature(h, t);
        assertThat(c.weights()[0]).isCloseTo((float) (4 / t), within(1e-5f));
        assertThat(c.classValues()).isEqualTo(h.classValues());
        assertThat(Calibration.fitTemperature(h, List.of())).isEqualTo(1.0); // nothing held out: unchanged
    }

    @Test
    void eceIsTheWeightedGapBetweenConfidenceAndAccuracy() {
        Calibration.Ece e = new Calibration.Ece();
        for (int i = 0; i < 100; i++) {
            e.add(0.95, i < 60); // 95 % sure, 60 % right
        }
        assertThat(e.value()).isCloseTo(0.35, within(1e-9));
        for (int i = 0; i < 100; i++) {
            e.add(0.5, i < 50); // calibrated half
        }
        assertThat(e.value()).isCloseTo(0.175, within(1e-9));
        assertThat(e.accuracy()).isCloseTo(0.55, within(1e-9));
    }

    @Test
    void whole32PixelBlocksAreHeldOutButAClickIsAlwaysTrainedOn() {
        LabelMap lm = LabelMap.unlabelled(640, 480);
        StrokeRaster.paint(lm, new float[] {10, 100, 630, 110}, 6, 1); // a long scribble: 20 blocks
        StrokeRaster.paint(lm, new float[] {20, 400, 600, 390}, 6, 2);
        StrokeRaster.paint(lm, new float[] {300, 250}, 5, 3); // one click
        Calibration.Split sp = Calibration.split(lm, "img-1");
        assertThat(sp.heldOutPixels()).isPositive();
        assertThat(sp.train().labelledCount() + sp.heldOut().labelledCount()).isEqualTo(lm.labelledCount());
        assertThat(sp.heldOut().labelledCount()).isLessThan(lm.labelledCount() / 2);
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 640; x++) {
                int held = sp.heldOut().get(x, y);
                if (held != LabelMap.VOID) {
                    assertThat(held).isEqualTo(lm.get(x, y)).isNotEqualTo(3);
                    assertThat(sp.train().get(x, y)).isEqualTo(LabelMap.VOID);
                    // the whole block's labels are held out, not single pixels
                    int bx = x / Calibration.BLOCK * Calibration.BLOCK;
                    int by = y / Calibration.BLOCK * Calibration.BLOCK;
                    for (int yy = by; yy < Math.min(480, by + Calibration.BLOCK); yy++) {
                        for (int xx = bx; xx < Math.min(640, bx + Calibration.BLOCK); xx++) {
                            assertThat(sp.train().get(xx, yy)).isEqualTo(LabelMap.VOID);
                        }
                    }
                }
            }
        }
        assertThat(sp.train().get(300, 250)).isEqualTo(3);
        assertThat(Calibration.split(lm, "img-1").heldOut()).isEqualTo(sp.heldOut()); // the same every time
    }
}
