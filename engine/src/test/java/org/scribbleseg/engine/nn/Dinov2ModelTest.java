package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class Dinov2ModelTest {

    static Path fixture(String name) throws Exception {
        return Path.of(Objects.requireNonNull(Dinov2ModelTest.class.getResource("/fixtures/" + name + "/config.json"))
                .toURI()).getParent();
    }

    @Test
    void offsetMattersAndSizeModeReproducesTheHfContrastTable() throws Exception {
        Path dir = fixture("dinov2-tiny");
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.load(dir, m);
                Safetensors cases = Safetensors.open(dir.resolve("cases.safetensors"))) {
            float[] official = model.positionTable(5, 9);
            float[] contrast = cases.floats("B.pos_embed_hf_sizemode_contrast");
            float[] golden = cases.floats("B.pos_embed");
            // size mode: src = (dst + 0.5) * M / g - 0.5, the table recent HF code builds
            float[] grid = new float[49 * 64];
            float[] table = model.positionTable(7, 7);
            System.arraycopy(table, 64, grid, 0, grid.length);
            float[] sized = BicubicResize.resize(grid, 64, 7, 7, 5, 9, BicubicResize.sizeScale(7, 5), BicubicResize.sizeScale(7, 9));
            double maxContrast = 0;
            double maxOfficial = 0;
            double gap = 0;
            for (int i = 0; i < sized.length; i++) {
                maxContrast = Math.max(maxContrast, Math.abs(sized[i] - contrast[64 + i]));
                maxOfficial = Math.max(maxOfficial, Math.abs(official[64 + i] - golden[64 + i]));
                gap = Math.max(gap, Math.abs(official[64 + i] - contrast[64 + i]));
            }
            assertThat(maxContrast).isLessThan(1e-5);
            assertThat(maxOfficial).isLessThan(1e-5);
            assertThat(gap).as("the +0.1 offset changes the table").isGreaterThan(0.1);
            assertThat(official[3]).isEqualTo(golden[3]); // class row kept
        }
    }

    /** Random weights written as an HF folder load back (config.json round-trips) to the same network. */
    @Test
    void randomModelFolderLoadsLikeDownloadedWeights(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        for (String size : new String[] {"small", "base", "large", "giant"}) {
            assertThat(Dinov2Config.fromJson(Dinov2Config.preset(size).toJson())).isEqualTo(Dinov2Config.preset(size));
        }
        Dinov2Config cfg = new Dinov2Config(32, 2, 4, 64, 14, 4, 4, 1e-6f, true, 0.1);
        Path dir = Dinov2Weights.writeRandomModel(cfg, 5, tmp.resolve("m"));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(1, 3, 28, 42));
            float[] fromFiles;
            try (Dinov2Model model = Dinov2Model.load(dir, m)) {
                assertThat(model.config()).isEqualTo(cfg);
                fromFiles = model.forward(x, false).patchMap(0).toFloatArray();
            }
            try (Dinov2Model model = new Dinov2Model(cfg, WeightSource.of(Dinov2Weights.random(cfg, m, 5)), m)) {
                assertThat(model.forward(x, false).patchMap(0).toFloatArray()).containsExactly(fromFiles);
            }
        }
    }

    @Test
    void registersAndSwigluLoadAndRun() {
        Dinov2Config cfg = new Dinov2Config(32, 2, 4, 64, 14, 4, 4, 1e-6f, true, 0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = Dinov2Weights.random(cfg, m, 7);
            assertThat(w).containsKeys("embeddings.register_tokens", "encoder.layer.1.mlp.weights_in.weight");
            assertThat(w.get("encoder.layer.0.mlp.weights_in.weight").getShape()).isEqualTo(new Shape(128, 32));
            NDArray x = m.randomNormal(new Shape(2, 3, 56, 42));
            float[] out1;
            try (Dinov2Model model = new Dinov2Model(cfg, WeightSource.of(w), m)) {
                Dinov2Model.Output o = model.forward(x, true);
                assertThat(o.embeddings().getShape()).isEqualTo(new Shape(2, 1 + 12, 32)); // before registers
                assertThat(o.xNorm().getShape()).isEqualTo(new Shape(2, 1 + 4 + 12, 32));
                assertThat(o.patchMap(1).getShape()).isEqualTo(new Shape(32, 4, 3));
                out1 = o.patchMap(0).toFloatArray();
                // patchMap takes tokens after CLS and the registers
                float[] xn = o.xNorm().toFloatArray();
                assertThat(out1[0]).isCloseTo(xn[(1 + 4) * 32], within(0f));
            }
            w.get("embeddings.register_tokens").muli(3f);
            try (Dinov2Model model = new Dinov2Model(cfg, WeightSource.of(w), m)) {
                float[] out2 = model.forward(x, false).patchMap(0).toFloatArray();
                assertThat(out2).isNotEqualTo(out1); // registers take part in attention
            }
        }
    }

    @Test
    void configReadsRealLayouts() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"model_type\":\"dinov2\",\"hidden_size\":1536,"
                + "\"num_hidden_layers\":40,\"num_attention_heads\":24,\"mlp_ratio\":4,\"use_swiglu_ffn\":true,"
                + "\"layer_norm_eps\":1e-6,\"image_size\":518,\"patch_size\":14,\"num_register_tokens\":4}");
        Dinov2Config c = Dinov2Config.fromJson(json);
        assertThat(c.mlpHidden()).isEqualTo(4096);
        assertThat(c.registers()).isEqualTo(4);
        assertThat(c.nativeGrid()).isEqualTo(37);
        assertThat(c.swiglu()).isTrue();
        assertThatThrownBy(() -> Dinov2Config.fromJson(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"model_type\":\"clip\"}"))).hasMessageContaining("not dinov2");
    }

    @Test
    void inputMustBePatchAligned() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.load(fixture("dinov2-tiny"), m)) {
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 3, 50, 56)), false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiples of 14");
        }
    }
}
