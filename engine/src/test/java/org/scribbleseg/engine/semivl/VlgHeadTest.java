package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.nn.Bilinear;
import org.scribbleseg.engine.nn.ClipConfig;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.VlgHead;
import org.scribbleseg.engine.train.TorchThreads;

/** SemiVL's decoder (spec §4): parameter count, shapes, gradients; the tower's trainable set (§2). */
class VlgHeadTest {
    @BeforeAll
    static void threads() {
        TorchThreads.set(1);
    }

    private static long count(Params p, String prefix) {
        return p.all().entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().size()).sum();
    }

    @Test
    void decoderHasTheSpecsParameterCountPerComponent() {
        try (NDManager m = NDManager.newBaseManager(); VlgHead h = new VlgHead(VlgHead.Config.semivl(512, 768), 1, m)) {
            Params p = h.params();
            assertThat(p.count(false)).isEqualTo(2_217_185L);
            assertThat(count(p, "conv1.")).isEqualTo(6_400);
            assertThat(count(p, "aspp.")).isEqualTo(558_592);
            assertThat(count(p, "layers.")).isEqualTo(1_054_208);
            assertThat(count(p, "text_proj.")).isEqualTo(65_664);
            assertThat(count(p, "skip_proj.")).isEqualTo(331_824);
            assertThat(count(p, "up.0.")).isEqualTo(160_096);
            assertThat(count(p, "up.1.")).isEqualTo(40_112);
            assertThat(count(p, "head.")).isEqualTo(289);
        }
    }

    @Test
    void forwardShapesFor21ClassesAndGradientsReachEveryDecoderParameter() {
        try (NDManager m = NDManager.newBaseManager(); VlgHead h = new VlgHead(VlgHead.Config.semivl(512, 768), 2, m)) {
            int b = 2;
            int n = 21;
            NDArray f = m.randomNormal(new Shape(b, 512, 8, 8));
            NDArray v4 = m.randomNormal(new Shape(b, 768, 8, 8));
            NDArray v0 = m.randomNormal(new Shape(b, 768, 8, 8));
            NDArray t = m.randomNormal(new Shape(n, 512));
            try (GradTape tape = h.params().record()) {
                NDArray out = h.forward(f, List.of(v4, v0), t, 128, 128, 128);
                assertThat(out.getShape()).isEqualTo(new Shape(b, n, 128, 128));
                NDArray nonSquare = h.forward(f, List.of(v4, v0), t, 128, 96, 160);
                assertThat(nonSquare.getShape()).isEqualTo(new Shape(b, n, 96, 160));
                tape.backward(out.square().mean());
                Map<String, NDArray> g = tape.gradients();
                assertThat(g.keySet()).containsExactlyElementsOf(h.params().names());
                assertThat(g.get("head.weight").abs().sum().getFloat()).isPositive();
                assertThat(g.get("layers.1.attn.in_proj_weight").abs().sum().getFloat()).isPositive();
            }
        }
    }

    @Test
    void transposedConvolutionPlacesEachInputCellsKernelInItsOwn2x2Block() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {2f, 10f}, new Shape(1, 1, 1, 2));
            NDArray w = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            NDArray out = VlgHead.convTranspose2x2(x, w, m.create(new float[] {0.5f}));
            assertThat(out.getShape()).isEqualTo(new Shape(1, 1, 2, 4));
            assertThat(out.toFloatArray()).containsExactly(2.5f, 4.5f, 10.5f, 20.5f, 6.5f, 8.5f, 30.5f, 40.5f);
        }
    }

    @Test
    void bilinearMatchesTorchsFormulaForBothCornerModes() {
        // 2 -> 4, align_corners=False: src = (d + .5)/2 - .5 = -.25, .25, .75, 1.25 -> clamp 0; [a, .75a+.25b, .25a+.75b, b]
        float[] f = Bilinear.matrixT(2, 4, false);
        assertThat(f).containsExactly(1f, 0.75f, 0.25f, 0f, 0f, 0.25f, 0.75f, 1f);
        // 2 -> 3, align_corners=True: src = 0, .5, 1
        float[] t = Bilinear.matrixT(2, 3, true);
        assertThat(t).containsExactly(1f, 0.5f, 0f, 0f, 0.5f, 1f);
    }

    @Test
    void onlyAttentionProjectionsAndThePositionTableOfTheTowerTrain() {
        ClipConfig b16 = ClipConfig.preset("clip-b16");
        // a 2-block tower of B/16 width keeps the test small; per-block counts are the spec's
        ClipConfig two = new ClipConfig(new ClipConfig.Tower(768, 2, 12, 1e-5f, b16.vision().act(), 197, 3072, 0), b16.text(), 16, 224, 512);
        try (NDManager m = NDManager.newBaseManager(); SemiVlModel model = SemiVlModel.random(two, 512, 128, 3, m)) {
            Params p = model.params();
            long attn = 4L * (768 * 768 + 768);
            long pos = 1025L * 768; // resized to 32x32 at load for crop 512, cls slot kept
            assertThat(count(p, "backbone.") - p.all().entrySet().stream().filter(e -> e.getKey().startsWith("backbone.")
                    && !e.getValue().trainable()).mapToLong(e -> e.getValue().size()).sum()).isEqualTo(2 * attn + pos);
            assertThat(p.trainable().keySet()).allMatch(n -> n.startsWith("decode_head.") || n.contains("attn") || n.contains("position"));
            assertThat(p.get("backbone.vision_model.embeddings.position_embedding.weight").shape()).containsExactly(1025, 768);
            // 12 blocks: 29,135,616 trainable (spec §2)
            assertThat(12 * attn + pos).isEqualTo(29_135_616L);
        }
    }

    @Test
    void valueTapsDenseOutputEqualsTheMaskClipDensePathAndTheVariantSwitchesGeluAndEps() throws Exception {
        java.nio.file.Path dir = SemiVlJobTest.clipTiny();
        try (NDManager m = NDManager.newBaseManager(); org.scribbleseg.engine.nn.ClipModel clip = org.scribbleseg.engine.nn.ClipModel.load(dir, m, false)) {
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 48));
            NDArray ref = clip.encodeImage(x, false, true).denseEmbeds();
            org.scribbleseg.engine.nn.ClipModel.TapOutput t = clip.encodeValueTaps(x, SemiVlModel.taps(3));
            assertThat(t.dense().getShape()).isEqualTo(ref.getShape());
            float[] a = t.dense().toFloatArray();
            float[] b = ref.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-4f));
            }
            assertThat(t.values()).hasSize(2);
            assertThat(t.values().get(0).getShape()).isEqualTo(new Shape(2, 12, 64));
            assertThat(SemiVlModel.taps(12)).containsExactly(4, 0);
        }
        ClipConfig c = ClipConfig.preset("clip-b16");
        assertThat(SemiVlModel.variant(c, false)).isSameAs(c);
        ClipConfig v = SemiVlModel.variant(c, true);
        assertThat(v.vision().act()).isEqualTo(org.scribbleseg.engine.nn.Ops.Act.GELU);
        assertThat(v.vision().layerNormEps()).isEqualTo(1e-6f);
        assertThat(c.vision().act()).isEqualTo(org.scribbleseg.engine.nn.Ops.Act.QUICK_GELU);
    }
}
