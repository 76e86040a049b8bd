package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.RgbImage;

/** SimMIM (seed 002): masking, patch targets, the L1 on masked patches only, augmentation, step schedule. */
class SimMimTest {

    @Test
    void theMaskCoversExactlyTheRatioAndDependsOnTheSeedOnly() {
        float[] m = SimMim.randomMask(16, 16, 0.5, new SplittableRandom(1));
        double masked = 0;
        for (float v : m) {
            assertThat(v).isIn(0f, 1f);
            masked += v;
        }
        assertThat(masked).isEqualTo(128);
        assertThat(SimMim.randomMask(16, 16, 0.5, new SplittableRandom(1))).containsExactly(m);
        assertThat(SimMim.randomMask(16, 16, 0.5, new SplittableRandom(2))).isNotEqualTo(m);
        assertThat(sum(SimMim.randomMask(7, 5, 0.4, new SplittableRandom(3)))).isEqualTo(14);
        assertThatThrownBy(() -> SimMim.randomMask(4, 4, 1.0, new SplittableRandom(1))).hasMessageContaining("(0, 1)");
    }

    @Test
    void patchTargetsAreEachPatchsPixelsInRowMajorPatchOrder() {
        try (NDManager nd = NDManager.newBaseManager()) {
            // pixel value 1000c + 100y + x names the pixel
            float[] px = new float[3 * 4 * 6];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 6; x++) {
                        px[(c * 4 + y) * 6 + x] = 1000 * c + 100 * y + x;
                    }
                }
            }
            NDArray p = SimMim.patchify(nd.create(px, new Shape(1, 3, 4, 6)), 2);
            assertThat(p.getShape()).isEqualTo(new Shape(1, 6, 12));
            // patch 4 = grid row 1, column 1: pixels y 2..3, x 2..3; inside (c, y, x)
            assertThat(p.get(0).get(4).toFloatArray()).containsExactly(202, 203, 302, 303, 1202, 1203, 1302, 1303, 2202,
                    2203, 2302, 2303);
            assertThatThrownBy(() -> SimMim.patchify(nd.zeros(new Shape(1, 3, 5, 6)), 2)).hasMessageContaining("multiple");
        }
    }

    @Test
    void theLossCountsMaskedPatchesOnlyAndGivesVisibleOnesNoGradient() {
        try (NDManager nd = NDManager.newBaseManager()) {
            float[] mask = {1, 0, 1, 0};
            NDArray m = nd.create(mask, new Shape(1, 4));
            NDArray target = nd.zeros(new Shape(1, 4, 3));
            float[] pred = {1, 1, 1, 50, 50, 50, 3, 3, 3, -70, 9, 9};
            float loss = SimMim.maskedL1(nd.create(pred, new Shape(1, 4, 3)), target, m).getFloat();
            // masked patches 0 and 2: |1|·3 + |3|·3 over 2 patches × 3 values
            assertThat(loss).isEqualTo(2f);
            // anything in the visible patches leaves the loss unchanged
            float[] other = pred.clone();
            other[3] = -1000;
            other[10] = 77;
            assertThat(SimMim.maskedL1(nd.create(other, new Shape(1, 4, 3)), target, m).getFloat()).isEqualTo(2f);
            // ... and a change in a masked one changes it
            other[0] = 4;
            assertThat(SimMim.maskedL1(nd.create(other, new Shape(1, 4, 3)), target, m).getFloat()).isEqualTo(2.5f);

            NDArray p = nd.create(pred, new Shape(1, 4, 3));
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(SimMim.maskedL1(p, target, m));
            }
            float[] g = p.getGradient().toFloatArray();
            for (int i = 0; i < 12; i++) {
                boolean visible = mask[i / 3] == 0;
                assertThat(g[i]).as("dL/dpred[%d]", i).isEqualTo(visible ? 0f : Math.signum(pred[i]) / 6f);
            }
        }
    }

    @Test
    void theScheduleDropsTenfoldAtHalfAndAt85Percent() {
        assertThat(SimMim.stepFactor(0, 100)).isEqualTo(1.0);
        assertThat(SimMim.stepFactor(49, 100)).isEqualTo(1.0);
        assertThat(SimMim.stepFactor(50, 100)).isEqualTo(0.1);
        assertThat(SimMim.stepFactor(84, 100)).isEqualTo(0.1);
        assertThat(SimMim.stepFactor(85, 100)).isEqualTo(0.01);
    }

    @Test
    void augmentedViewsAreNormalisedRandomAndSeeded() {
        byte[] rgb = new byte[40 * 30 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) ((i * 37) % 256);
        }
        RgbImage im = new RgbImage(40, 30, rgb);
        float[] a = SimMim.augment(im, 16, new SplittableRandom(4));
        assertThat(a).hasSize(3 * 16 * 16);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 256; i++) {
                // [0, 1] after jitter, then ImageNet-normalised
                assertThat(a[c * 256 + i]).isBetween(-SimMim.MEAN[c] / SimMim.STD[c] - 1e-4f,
                        (1 - SimMim.MEAN[c]) / SimMim.STD[c] + 1e-4f);
            }
        }
        assertThat(SimMim.augment(im, 16, new SplittableRandom(4))).containsExactly(a);
        assertThat(SimMim.augment(im, 16, new SplittableRandom(5))).isNotEqualTo(a);
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }
}
