package org.scribbleseg.engine.zeroseg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.nn.GradTape;

/** The student: grouping assignment shapes and one-hot values, straight-through gradients, MAE decoder shapes. */
@org.junit.jupiter.api.extension.ExtendWith(OneTorchThread.class)
class ZeroSegModelTest {
    static ZeroSegConfig tiny() {
        return ZeroSegConfig.preset("tiny", 16);
    }

    @Test
    void assignmentsAreOneHotWithTheStageShapes() {
        ZeroSegConfig cfg = tiny();
        try (NDManager m = NDManager.newBaseManager(); ZeroSegModel model = new ZeroSegModel(cfg, 3, m)) {
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            ZeroSegModel.Output o = model.forward(x, null, null);
            assertThat(o.segments().getShape()).isEqualTo(new Shape(2, 8, 16));
            assertThat(o.assignment1().getShape()).isEqualTo(new Shape(2, 32, 16));
            assertThat(o.assignment2().getShape()).isEqualTo(new Shape(2, 8, 32));
            assertThat(o.reconstruction()).isNull();
            // every input token goes to exactly one group: values 0/1, one 1 per column
            for (NDArray a : new NDArray[] {o.assignment1(), o.assignment2()}) {
                float[] v = a.toFloatArray();
                for (float f : v) {
                    assertThat(Math.abs(f) < 1e-6 || Math.abs(f - 1) < 1e-6).as("one-hot value " + f).isTrue();
                }
                float[] colSums = a.sum(new int[] {1}).toFloatArray();
                for (float s : colSums) {
                    assertThat(s).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            int[][] seg = ZeroSegModel.segmentOfPatch(o);
            assertThat(seg.length).isEqualTo(2);
            assertThat(seg[0]).hasSize(16);
            assertThat(java.util.Arrays.stream(seg[0]).allMatch(s -> s >= 0 && s < 8)).isTrue();
        }
    }

    @Test
    void straightThroughGradientReachesTheSegmentTokens() {
        ZeroSegConfig cfg = tiny();
        try (NDManager m = NDManager.newBaseManager(); ZeroSegModel model = new ZeroSegModel(cfg, 5, m)) {
            NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
            int[][] keep = {{0, 1, 2, 4, 5, 7, 8, 10, 13, 15}};
            NDArray[] gumbel = {m.randomNormal(new Shape(1, 32, 10)), m.randomNormal(new Shape(1, 8, 32))};
            try (GradTape tape = model.params().record()) {
                ZeroSegModel.Output o = model.forward(x, keep, gumbel);
                assertThat(o.assignment1().getShape()).isEqualTo(new Shape(1, 32, 10));
                assertThat(o.reconstruction().getShape()).isEqualTo(new Shape(1, 16, 3 * 16 * 16));
                tape.backward(o.segments().square().sum());
                Map<String, NDArray> g = tape.gradients();
                for (String n : new String[] {"seg.stage1.group_tokens", "seg.stage2.group_tokens", "seg.stage1.grouping.assign.q.weight",
                        "seg.stage2.grouping.assign.k.weight", "encoder.patch.weight"}) {
                    assertThat(g).as(n).containsKey(n);
                    assertThat(g.get(n).abs().sum().getFloat()).as("|dL/d " + n + "|").isGreaterThan(0f);
                }
                // the assignment query sees the loss only through the soft part of hard − sg(soft) + soft
                assertThat(g).doesNotContainKey("decoder.pred.weight");
            }
        }
    }

    @Test
    void hardAssignmentHasTheSoftmaxGradient() {
        // d/dlogits of Σ w·(hard − sg(soft) + soft) equals that of Σ w·soft: the straight-through estimator
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {1f, 0.1f, 0.5f, -1f, 0.3f, 0.2f}, new Shape(1, 3, 2));
            NDArray w = m.create(new float[] {0.1f, -0.4f, 2f, 0.7f, -1.3f, 0.5f}, new Shape(1, 3, 2));
            float[] st = grad(m, logits, w, true);
            float[] soft = grad(m, logits, w, false);
            assertThat(st).containsExactly(soft, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(GroupingBlock.assign(logits).straightThrough().toFloatArray())
                    .containsExactly(new float[] {1, 0, 0, 0, 0, 1}, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    private static float[] grad(NDManager m, NDArray logits, NDArray w, boolean hard) {
        try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            NDArray l = logits.duplicate();
            l.setRequiresGradient(true);
            GroupingBlock.Assignment a = GroupingBlock.assign(l);
            gc.backward((hard ? a.straightThrough() : a.soft()).mul(w).sum());
            return l.getGradient().toFloatArray();
        }
    }
}
