package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.nn.optim.AdamW;

class TrainableModelTest {
    @TempDir
    Path tmp;

    private static final Dinov2Config TINY = new Dinov2Config(32, 2, 4, 64, 14, 3, 0, 1e-6f, false, 0.1);

    @Test
    void randomModelSavesAndLoadsByHfNames() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model a = Dinov2Model.random(TINY, 3, m)) {
            assertThat(a.params().names()).contains("embeddings.mask_token", "embeddings.position_embeddings",
                    "encoder.layer.1.attention.attention.key.bias", "layernorm.weight");
            a.save(tmp.resolve("m"));
            NDArray x = m.randomNormal(new Shape(1, 3, 28, 56));
            try (Dinov2Model b = Dinov2Model.load(tmp.resolve("m"), m)) {
                assertThat(b.params().names()).isEqualTo(a.params().names());
                assertThat(b.forward(x, false).xNorm().toFloatArray()).containsExactly(a.forward(x, false).xNorm().toFloatArray());
            }
        }
    }

    /** SemiVL's rule: only attention and the position table train; the others get no gradient and do not move. */
    @Test
    void frozenParametersGetNoGradientAndTrainingLowersTheLoss() {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.random(TINY, 5, m)) {
            Params p = model.params();
            int frozen = p.freeze(n -> !(n.contains("attention") || n.contains("position")));
            assertThat(frozen).isEqualTo(p.names().size() - 1 - 2 * 8);
            NDArray x = m.randomNormal(new Shape(2, 3, 42, 28)); // 3 x 2 grid: the table is interpolated
            NDArray target = m.randomNormal(new Shape(2, 7, 32));
            float[] fc1Before = p.get("encoder.layer.0.mlp.fc1.weight").data().toFloatArray();
            float[] posBefore = p.get("embeddings.position_embeddings").data().toFloatArray();
            double first = Double.NaN;
            double last = Double.NaN;
            int arraysAfterFirst = -1;
            try (AdamW opt = AdamW.builder(p).lr(3e-2).weightDecay(0).build()) {
                for (int step = 0; step < 8; step++) {
                    try (NDManager s = m.newSubManager(); GradTape tape = p.record()) {
                        x.tempAttach(s); // the outputs land in the input's manager: this step's scope
                        NDArray loss = model.forward(x, false).xNorm().sub(target).square().mean();
                        tape.backward(loss);
                        Map<String, NDArray> g = tape.gradients();
                        assertThat(g.keySet()).allMatch(n -> n.contains("attention") || n.contains("position"));
                        assertThat(g).containsKey("embeddings.position_embeddings").hasSize(17);
                        opt.step(g);
                        last = loss.getFloat();
                        if (step == 0) {
                            first = last;
                        }
                    }
                    if (step == 0) {
                        arraysAfterFirst = m.getManagedArrays().size();
                    }
                }
            }
            assertThat(last).isLessThan(first);
            assertThat(m.getManagedArrays()).as("a training step leaks no array").hasSize(arraysAfterFirst);
            assertThat(p.get("encoder.layer.0.mlp.fc1.weight").data().toFloatArray()).containsExactly(fc1Before);
            // rows of the 3 x 3 table reached only through the bicubic weights moved too
            assertThat(p.get("embeddings.position_embeddings").data().toFloatArray()).isNotEqualTo(posBefore);
        }
    }

    @Test
    void oneTapeAtATimeAndInputGradients() {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.random(TINY, 7, m)) {
            try (GradTape tape = model.params().record()) {
                assertThatThrownBy(() -> model.params().record()).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already collecting");
                NDArray x = tape.input(m.randomNormal(new Shape(1, 3, 42, 42)));
                NDArray masks = m.create(new boolean[] {true, false, false, false, true, false, false, false, false},
                        new Shape(1, 9));
                tape.backward(model.forward(x, masks, false, null).xNorm().sum());
                assertThat(tape.gradientOf(x).getShape()).isEqualTo(new Shape(1, 3, 42, 42));
                assertThat(tape.gradients()).containsKey("embeddings.mask_token"); // used with masks
            }
            try (GradTape tape = model.params().record()) { // the previous one is closed: fine again
                tape.backward(model.forward(m.randomNormal(new Shape(1, 3, 42, 42)), false).xNorm().sum());
                assertThat(tape.gradients()).doesNotContainKey("embeddings.mask_token"); // not reached: no gradient
            }
        }
    }

    @Test
    void dropPathActsOnlyInTrainingMode() {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.random(TINY, 9, m)) {
            NDArray x = m.randomNormal(new Shape(4, 3, 28, 28));
            model.setDropPath(0.5f);
            float[] eval1 = model.forward(x, false).xNorm().toFloatArray();
            assertThat(model.forward(x, false).xNorm().toFloatArray()).containsExactly(eval1);
            model.train(true);
            float[] train1 = model.forward(x, false).xNorm().toFloatArray();
            float[] train2 = model.forward(x, false).xNorm().toFloatArray();
            assertThat(train1).isNotEqualTo(eval1);
            assertThat(train1).isNotEqualTo(train2);
        }
    }

    @Test
    void clipTrainsThroughTheDensePathAndSavesItsWeights() throws Exception {
        Path dir = Path.of(Dinov2ModelTest.fixture("clip-tiny").toString());
        try (NDManager m = NDManager.newBaseManager(); ClipModel model = ClipModel.load(dir, m, false)) {
            assertThat(model.params().contains("text_model.embeddings.token_embedding.weight")).isFalse();
            model.params().freeze(n -> !n.contains("attn"));
            try (GradTape tape = model.params().record()) {
                ClipModel.VisionOutput o = model.encodeImage(m.randomNormal(new Shape(1, 3, 64, 48)), false, true);
                tape.backward(o.denseEmbeds().sum());
                // the dense path uses the last block's value and output projections only
                assertThat(tape.gradients()).containsKeys("vision_model.encoder.layers.2.self_attn.v_proj.weight",
                        "vision_model.encoder.layers.0.self_attn.q_proj.weight")
                        .doesNotContainKey("vision_model.encoder.layers.2.self_attn.q_proj.weight");
            }
            model.save(tmp.resolve("clip.safetensors"));
            try (Safetensors st = Safetensors.open(tmp.resolve("clip.safetensors"))) {
                assertThat(st.names()).containsAll(model.params().names());
            }
        }
    }
}
