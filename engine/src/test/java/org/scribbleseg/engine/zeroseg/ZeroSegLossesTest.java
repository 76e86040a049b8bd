package org.scribbleseg.engine.zeroseg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Each ZeroSeg loss on tiny tensors against values worked out by hand. */
class ZeroSegLossesTest {

    @Test
    void distillationIsTheMeanL1ToEveryView() {
        try (NDManager m = NDManager.newBaseManager()) {
            // z = (1, 2); views (0, 0), (1, 4), (3, 2): per-view mean |z - v| = 1.5, 1.0, 1.0 -> mean 7/6
            var z = m.create(new float[] {1, 2}, new Shape(1, 2));
            var v = m.create(new float[] {0, 0, 1, 4, 3, 2}, new Shape(1, 3, 2));
            assertThat(ZeroSegLosses.distillation(z, v).getFloat()).isCloseTo(7f / 6f, offset(1e-6f));
        }
    }

    @Test
    void segmentMatchingSumsEachSegmentsNearestLocalView() {
        try (NDManager m = NDManager.newBaseManager()) {
            // g1 = (0, 0), g2 = (2, 2); local views (1, 0), (2, 3)
            // g1: |(0,0)-(1,0)| = 0.5, |(0,0)-(2,3)| = 2.5 -> 0.5; g2: 1.5, 0.5 -> 0.5; sum 1.0
            // second batch item: g1 = (1, 1), g2 = (1, 1), views (1, 1), (0, 0): 0 + 0 = 0 -> batch mean 0.5
            var g = m.create(new float[] {0, 0, 2, 2, 1, 1, 1, 1}, new Shape(2, 2, 2));
            var local = m.create(new float[] {1, 0, 2, 3, 1, 1, 0, 0}, new Shape(2, 2, 2));
            assertThat(ZeroSegLosses.segmentMatching(g, local).getFloat()).isCloseTo(0.5f, offset(1e-6f));
        }
    }

    @Test
    void reconstructionCountsOnlyMaskedPatches() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 3 patches of 2 values; errors per patch: (1,1)->1, (2,0)->2, (0,3)->4.5; masked = patches 1 and 2 -> (2 + 4.5)/2
            var pred = m.create(new float[] {1, 1, 2, 0, 0, 3}, new Shape(1, 3, 2));
            var target = m.zeros(new Shape(1, 3, 2));
            var masked = m.create(new float[] {0, 1, 1}, new Shape(1, 3));
            assertThat(ZeroSegLosses.reconstruction(pred, target, masked).getFloat()).isCloseTo(3.25f, offset(1e-6f));
        }
    }

    @Test
    void pooledAndNormalized() {
        try (NDManager m = NDManager.newBaseManager()) {
            var s = m.create(new float[] {1, 0, 3, 4}, new Shape(1, 2, 2));
            assertThat(ZeroSegLosses.pooled(s).toFloatArray()).containsExactly(2f, 2f);
            assertThat(ZeroSegLosses.normalize(s).toFloatArray()).containsExactly(new float[] {1, 0, 0.6f, 0.8f}, offset(1e-6f));
        }
    }
}
