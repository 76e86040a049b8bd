package org.scribbleseg.engine.semivl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.nn.BicubicResize;
import org.scribbleseg.engine.nn.ClipConfig;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ModelConfig;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.VlgHead;
import org.scribbleseg.engine.nn.WeightSource;

/**
 * The SemiVL network (spec §1, §2, §4): a CLIP vision tower with MaskCLIP value-path taps (blocks 0 and L/3, i.e.
 * 0 and 4 of ViT-B/16's 12; the dense embedding F from the last block) and the {@link VlgHead}. Parameters are
 * {@code backbone.<HF CLIP name>} and {@code decode_head.<SVL name>}; after construction only the tower's attention
 * projections (names containing "attn") and its position table ("position") are trainable, with the decoder
 * (spatial fine-tuning, §2). The position table is resized bicubically at load time to the training grid
 * (crop / patch; SVL: 14×14 → 32×32 at crop 512) and again at run time for other grids.
 *
 * <p>Tower variant (quirk 2): {@code semivlGelu} runs the tower with exact GELU and LayerNorm eps 1e-6, as SemiVL's
 * MaskCLIP port does; the default keeps CLIP's QuickGELU / 1e-5 (the semantics the weights were trained with).
 */
public final class SemiVlModel implements AutoCloseable {
    private final ClipModel tower;
    private final VlgHead head;
    private final Params params = new Params();
    private final int[] taps;
    private final NDManager manager;

    /** The config of the tower variant. */
    public static ClipConfig variant(ClipConfig c, boolean semivlGelu) {
        if (!semivlGelu) {
            return c;
        }
        ClipConfig.Tower v = c.vision();
        return new ClipConfig(new ClipConfig.Tower(v.hiddenSize(), v.layers(), v.heads(), 1e-6f, Ops.Act.GELU, v.maxPositions(),
                v.intermediateSize(), v.vocabSize()), c.text(), c.patchSize(), c.imageSize(), c.projectionDim());
    }

    /** SemiVL's skip taps for a tower of {@code layers} blocks: 0 and layers/3 (0 and 4 for 12 layers), decoder order. */
    public static int[] taps(int layers) {
        int hi = Math.max(1, Math.min(layers - 2, layers / 3));
        return new int[] {hi, 0};
    }

    /** A source that serves the position table resized to {@code grid}×{@code grid} (cls row kept) for the tower. */
    static WeightSource resizedPositions(WeightSource src, int grid) {
        String name = "vision_model.embeddings.position_embedding.weight";
        return new WeightSource() {
            @Override
            public boolean contains(String n) {
                return src.contains(n);
            }

            @Override
            public NDArray load(NDManager m, String n) {
                NDArray a = src.load(m, n);
                if (!n.equals(name)) {
                    return a;
                }
                long[] s = a.getShape().getShape();
                int c = (int) s[s.length - 1];
                int rows = (int) s[s.length - 2];
                int g0 = (int) Math.round(Math.sqrt(rows - 1));
                if (g0 == grid) {
                    return a;
                }
                float[] all = a.toFloatArray();
                float[] patches = java.util.Arrays.copyOfRange(all, c, all.length);
                float[] r = BicubicResize.resize(patches, c, g0, g0, grid, grid, BicubicResize.sizeScale(g0, grid),
                        BicubicResize.sizeScale(g0, grid));
                float[] out = new float[c + r.length];
                System.arraycopy(all, 0, out, 0, c);
                System.arraycopy(r, 0, out, c, r.length);
                a.close();
                return m.create(out, new Shape(1 + (long) grid * grid, c));
            }
        };
    }

    /** Loads the vision tower of a CLIP folder (config.json + model.safetensors) and builds a fresh decoder. */
    public static SemiVlModel load(Path clipDir, boolean semivlGelu, int crop, int decoderChannels, long seed, NDManager parent) {
        ClipConfig cfg = variant(ClipConfig.fromJson(ModelConfig.read(clipDir.resolve("config.json"))), semivlGelu);
        try (Safetensors st = Safetensors.open(clipDir.resolve("model.safetensors"))) {
            return new SemiVlModel(cfg, WeightSource.of(st), crop, decoderChannels, seed, parent);
        }
    }

    /** A tower of the real shape of {@code cfg} with random weights (benchmarks, the tiny semi-supervised check). */
    public static SemiVlModel random(ClipConfig cfg, int crop, int decoderChannels, long seed, NDManager parent) {
        try (NDManager tmp = parent.newSubManager()) {
            return new SemiVlModel(cfg, WeightSource.of(org.scribbleseg.engine.nn.ClipWeights.random(cfg, tmp, seed, false)), crop,
                    decoderChannels, seed, parent);
        }
    }

    public SemiVlModel(ClipConfig cfg, WeightSource src, int crop, int decoderChannels, long seed, NDManager parent) {
        this.manager = parent.newSubManager();
        try {
            this.tower = new ClipModel(cfg, resizedPositions(src, crop / cfg.patchSize()), manager, false);
            VlgHead.Config hc = VlgHead.Config.semivl(cfg.projectionDim(), cfg.vision().hiddenSize());
            if (decoderChannels != hc.channels()) {
                hc = hc.withChannels(decoderChannels);
            }
            this.head = new VlgHead(hc, seed, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.taps = taps(cfg.vision().layers());
        params.include("backbone.", tower.params());
        params.include("decode_head.", head.params());
        params.freeze(n -> n.startsWith("backbone.") && !(n.contains("attn") || n.contains("position")));
    }

    public Params params() {
        return params;
    }

    public ClipModel tower() {
        return tower;
    }

    public VlgHead head() {
        return head;
    }

    public int[] tapBlocks() {
        return taps.clone();
    }

    /** Backbone features as [B, C, h, w] maps: the skips in decoder order and the dense embedding F. */
    public record Features(List<NDArray> skips, NDArray dense) {
        /**
         * The features with each map's channels dropped per sample (Dropout2d, p 0.5, kept ×2) by masks drawn from
         * {@code rng} (spec §8; quirk 3: F is perturbed too), independently per map.
         */
        public Features dropChannels(SeededRandom rng, float p) {
            List<NDArray> s = skips.stream().map(x -> drop(x, rng, p)).toList();
            return new Features(s, drop(dense, rng, p));
        }

        private static NDArray drop(NDArray x, SeededRandom rng, float p) {
            Shape sh = x.getShape();
            int b = (int) sh.get(0);
            int c = (int) sh.get(1);
            float[] mask = new float[b * c];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = rng.nextDouble() < p ? 0f : 1f / (1 - p);
            }
            return x.mul(x.getManager().create(mask, new Shape(b, c, 1, 1)));
        }

        /** Rows [from, to) of every map. */
        public Features slice(int from, int to) {
            String idx = from + ":" + to;
            return new Features(skips.stream().map(x -> x.get(idx)).toList(), dense.get(idx));
        }
    }

    /** The backbone on normalised pixels [B, 3, H, W] (H, W multiples of the patch). */
    public Features features(NDArray pixels) {
        ClipModel.TapOutput t = tower.encodeValueTaps(pixels, taps);
        int gh = t.gridH();
        int gw = t.gridW();
        List<NDArray> skips = t.values().stream().map(v -> toMap(v, gh, gw)).toList();
        return new Features(skips, toMap(t.dense(), gh, gw));
    }

    private static NDArray toMap(NDArray tokens, int gh, int gw) {
        Shape s = tokens.getShape();
        return tokens.transpose(0, 2, 1).reshape(s.get(0), s.get(2), gh, gw);
    }

    /** Decoder logits [B, N, outH, outW]; {@code imgSize} is the square the head resizes to first (quirk 4). */
    public NDArray decode(Features f, NDArray text, int imgSize, int outH, int outW) {
        return head.forward(f.dense(), f.skips(), text, imgSize, outH, outW);
    }

    /** The dense embedding F [B, D, h, w] only (the frozen guidance copy). */
    public NDArray dense(NDArray pixels) {
        return features(pixels).dense();
    }

    @Override
    public void close() {
        manager.close();
    }
}
