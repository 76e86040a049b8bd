package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.heavy.SeededRandom;

/** Each SemiVL loss term on tiny tensors against values worked out by hand; CutMix boxes and pseudo-label masks. */
class LossesTest {
    // one image, 2 classes, 1x2 pixels: pixel 0 logits (0, ln 3) -> p = (1/4, 3/4); pixel 1 (0, 0) -> (1/2, 1/2)
    private static NDArray logits(NDManager m) {
        return m.create(new float[] {0f, 0f, (float) Math.log(3), 0f}, new Shape(1, 2, 1, 2));
    }

    @Test
    void supervisedIsTheMeanOverValidPixels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(new int[] {1, 255}, new Shape(1, 1, 2));
            assertThat(Losses.supervised(logits(m), t).getFloat()).isCloseTo((float) -Math.log(0.75), within(1e-6f));
            NDArray both = m.create(new int[] {1, 0}, new Shape(1, 1, 2));
            assertThat(Losses.supervised(logits(m), both).getFloat()).isCloseTo((float) ((-Math.log(0.75) - Math.log(0.5)) / 2), within(1e-6f));
        }
    }

    @Test
    void confidenceWeightedSumsConfidentPixelsOverAllNonPaddedPixels() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray label = m.create(new int[] {1, 0}, new Shape(1, 1, 2));
            NDArray conf = m.create(new float[] {0.96f, 0.5f}, new Shape(1, 1, 2));
            NDArray none = m.create(new int[] {0, 0}, new Shape(1, 1, 2));
            // pixel 1 is below 0.95: only pixel 0 counts, divided by the 2 non-padded pixels
            assertThat(Losses.confidenceWeighted(logits(m), label, conf, none, 0.95f).getFloat())
                    .isCloseTo((float) (-Math.log(0.75) / 2), within(1e-6f));
            NDArray padOne = m.create(new int[] {0, 1}, new Shape(1, 1, 2));
            assertThat(Losses.confidenceWeighted(logits(m), label, conf, padOne, 0.95f).getFloat())
                    .isCloseTo((float) -Math.log(0.75), within(1e-6f));
            NDArray confBoth = m.create(new float[] {0.95f, 0.99f}, new Shape(1, 1, 2));
            // conf == thresh counts (>=)
            assertThat(Losses.confidenceWeighted(logits(m), label, confBoth, none, 0.95f).getFloat())
                    .isCloseTo((float) ((-Math.log(0.75) - Math.log(0.5)) / 2), within(1e-6f));
        }
    }

    @Test
    void maskClipLossDividesByAllPixelsIncludingIgnoredOnes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(new int[] {1, 255}, new Shape(1, 1, 2));
            assertThat(Losses.maskClipMeanAll(logits(m), t).getFloat()).isCloseTo((float) (-Math.log(0.75) / 2), within(1e-6f));
        }
    }

    @Test
    void totalWeightsTheTermsAsSemiVl() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lx = m.create(1f);
            NDArray ls1 = m.create(2f);
            NDArray ls2 = m.create(4f);
            NDArray lfp = m.create(8f);
            NDArray mc1 = m.create(16f);
            NDArray mc2 = m.create(32f);
            NDArray mcfp = m.create(64f);
            // (1 + 2/4 + 4/4 + 8/2)/2 = 3.25; lambda 0.05: 0.05 * (4 + 8 + 32) = 2.2
            assertThat(Losses.total(lx, ls1, ls2, lfp, mc1, mc2, mcfp, 0.05).getFloat()).isCloseTo(5.45f, within(1e-5f));
            assertThat(Losses.lambda(0, 100)).isEqualTo(0.1);
            assertThat(Losses.lambda(50, 100)).isCloseTo(0.05, within(1e-12));
            assertThat(Losses.lambda(100, 100)).isEqualTo(0.0);
        }
    }

    @Test
    void pseudoLabelsAndTheConfidenceMaskComeFromTheSoftmax() {
        try (NDManager m = NDManager.newBaseManager()) {
            Losses.Pseudo p = Losses.pseudo(logits(m));
            assertThat(p.label()).containsExactly(1, 0);
            assertThat(p.conf()[0]).isCloseTo(0.75f, within(1e-6f));
            assertThat(p.conf()[1]).isCloseTo(0.5f, within(1e-6f));
        }
    }

    @Test
    void maskClipLabelsKeepOnlyConfidentPixelsAfterSoftmaxAt100() {
        // class scores 0.30 vs 0.27: p = 1/(1 + e^-3) = 0.953 >= 0.9 -> class 0; 0.30 vs 0.29: p = 0.731 -> 255
        float[][] s = {{0.30f, 0.30f}, {0.27f, 0.29f}};
        int[] out = Losses.maskClipLabels(s, 1, 2, 2, 1, Losses.GridSampler.direct(2, 1, 2, 1), null);
        assertThat(out).containsExactly(0, 255);
        int[] padded = Losses.maskClipLabels(s, 1, 2, 2, 1, Losses.GridSampler.direct(2, 1, 2, 1), new int[] {1, 0});
        assertThat(padded).containsExactly(255, 255);
        // concept max: class 0 has concepts 0 and 2, class 1 concept 1
        float[][] cm = Losses.conceptMax(new float[][] {{0.1f, 0.5f}, {0.2f, 0.2f}, {0.3f, 0.4f}}, new int[] {0, 1, 0}, 2);
        assertThat(cm[0]).containsExactly(0.3f, 0.5f);
        assertThat(cm[1]).containsExactly(0.2f, 0.2f);
    }

    @Test
    void cutmixBoxesAreHalfEmptyAndOtherwiseOneRectangleOfTheDrawnArea() {
        SeededRandom rng = new SeededRandom(7);
        int size = 64;
        int empty = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] box = Augment.cutmixBox(size, rng);
            int minX = size;
            int minY = size;
            int maxX = -1;
            int maxY = -1;
            int ones = 0;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    if (box[y * size + x] == 1) {
                        ones++;
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            if (ones == 0) {
                empty++;
                continue;
            }
            assertThat(ones).as("a filled rectangle").isEqualTo((maxX - minX + 1) * (maxY - minY + 1));
            // w = int(sqrt(a/r)), h = int(sqrt(a r)): w*h <= a <= 0.4 size^2; truncation loses < w + h + 1
            assertThat((double) ones).isLessThanOrEqualTo(0.4 * size * size);
            assertThat((double) ones).isGreaterThan(0.02 * size * size - 2 * size);
        }
        assertThat(empty).isBetween(160, 240);
        assertThat(Augment.cutmixBox(size, new SeededRandom(3))).containsExactly(Augment.cutmixBox(size, new SeededRandom(3)));
    }

    @Test
    void mixedTargetsTakeTheMixingSourceInsideTheBox() {
        Losses.Targets a = new Losses.Targets(new int[] {1, 1, 1}, new float[] {0.9f, 0.9f, 0.9f}, new int[] {0, 0, 0}, new int[] {2, 2, 2});
        Losses.Targets b = new Losses.Targets(new int[] {0, 0, 0}, new float[] {0.1f, 0.2f, 0.3f}, new int[] {1, 1, 0}, new int[] {255, 3, 3});
        Losses.Targets mixed = a.mix(b, new byte[] {0, 1, 1});
        assertThat(mixed.label()).containsExactly(1, 0, 0);
        assertThat(mixed.conf()).containsExactly(0.9f, 0.2f, 0.3f);
        assertThat(mixed.padded()).containsExactly(0, 1, 0);
        assertThat(mixed.mcLabel()).containsExactly(2, 3, 3);
        float[] img = Augment.paste(new float[] {1, 1, 2, 2, 3, 3}, new float[] {9, 8, 7, 6, 5, 4}, new byte[] {0, 1});
        assertThat(img).containsExactly(1, 8, 2, 6, 3, 4);
    }
}
