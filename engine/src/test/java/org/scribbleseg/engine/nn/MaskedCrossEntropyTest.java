package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class MaskedCrossEntropyTest {

    /** 1 image, 2 classes, 1 x 3 pixels; logits chosen so each pixel's loss is easy to write down. */
    @Test
    void ignoredPixelsDropOutAndWeightsScaleEachPixel() {
        try (NDManager m = NDManager.newBaseManager()) {
            // pixel 0: logits (0, 0) target 1 -> ln 2; pixel 1: (ln 3, 0) target 0 -> -ln(3/4); pixel 2: ignored
            NDArray logits = m.create(new float[] {0f, (float) Math.log(3), 5f, 0f, 0f, -5f}, new Shape(1, 2, 1, 3));
            NDArray target = m.create(new int[] {1, 0, 255}, new Shape(1, 1, 3));
            double l0 = Math.log(2);
            double l1 = -Math.log(0.75);
            assertThat(MaskedCrossEntropy.loss(logits, target, null).getFloat()).isCloseTo((float) ((l0 + l1) / 2), within(1e-6f));
            NDArray w = m.create(new float[] {2f, 0.5f, 100f}, new Shape(1, 1, 3));
            assertThat(MaskedCrossEntropy.loss(logits, target, w, 255, MaskedCrossEntropy.Reduction.MEAN).getFloat())
                    .isCloseTo((float) ((2 * l0 + 0.5 * l1) / 2), within(1e-6f));
            assertThat(MaskedCrossEntropy.loss(logits, target, w, 255, MaskedCrossEntropy.Reduction.WEIGHTED_MEAN).getFloat())
                    .isCloseTo((float) ((2 * l0 + 0.5 * l1) / 2.5), within(1e-6f));
            assertThat(MaskedCrossEntropy.loss(logits, target, w, 255, MaskedCrossEntropy.Reduction.SUM).getFloat())
                    .isCloseTo((float) (2 * l0 + 0.5 * l1), within(1e-6f));
            NDArray allIgnored = m.create(new int[] {255, 255, 255}, new Shape(1, 1, 3));
            assertThat(MaskedCrossEntropy.loss(logits, allIgnored, null).getFloat()).isZero();
            assertThatThrownBy(() -> MaskedCrossEntropy.loss(logits, m.create(new int[] {1, 2, 0}, new Shape(1, 1, 3)), null))
                    .hasMessageContaining("class 2, outside [0, 2)");
            assertThatThrownBy(() -> MaskedCrossEntropy.loss(logits, m.create(new int[] {1, 0}, new Shape(1, 1, 2)), null))
                    .hasMessageContaining("do not match");
        }
    }

    /** d loss / d logits = (softmax - onehot) * w / count on valid pixels, 0 on the ignored one. */
    @Test
    void gradientFlowsOnlyThroughValidPixels() {
        Params p = new Params();
        try (NDManager m = NDManager.newBaseManager()) {
            p.add("logits", m.create(new float[] {0f, 1f, 0f, 0f}, new Shape(1, 2, 1, 2)));
            NDArray target = m.create(new int[] {0, 255}, new Shape(1, 1, 2));
            try (GradTape tape = p.record()) {
                NDArray loss = MaskedCrossEntropy.loss(p.get("logits").value(), target, null);
                tape.backward(loss);
                float[] g = tape.gradients().get("logits").toFloatArray();
                // pixel 0: logits (0, 0): softmax (0.5, 0.5), target 0 -> (-0.5, 0.5); count 1
                assertThat(g[0]).isCloseTo(-0.5f, within(1e-6f));
                assertThat(g[2]).isCloseTo(0.5f, within(1e-6f));
                assertThat(g[1]).isZero();
                assertThat(g[3]).isZero();
            }
        }
    }
}
