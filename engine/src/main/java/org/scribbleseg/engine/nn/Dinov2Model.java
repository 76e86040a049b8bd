package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DINOv2 ViT (official facebookresearch/dinov2 semantics) from HF {@code Dinov2Model} /
 * {@code Dinov2WithRegistersModel} weights, trainable: patch conv with bias (as a matmul over unfolded patches),
 * CLS (+ register tokens after CLS), optional mask token for masked patches (SimMIM / iBOT), position embeddings with
 * the official +0.1-offset bicubic interpolation for other grids (in autograd, see {@link PositionTable}), pre-LN
 * blocks with layer scale, exact GELU or SwiGLU FFN, final LayerNorm.
 *
 * <p><b>Training API.</b> {@link #params()} holds every weight under its HF {@code Dinov2Model} name
 * ({@code embeddings.cls_token}, {@code encoder.layer.3.attention.attention.query.weight}, {@code layernorm.bias},
 * ...; a {@code dinov2.} prefix in a checkpoint is stripped on load). Freeze/unfreeze with
 * {@code params().freeze(name -> ...)}; record a step with {@code params().record()} ({@link GradTape}); step with
 * {@link org.scribbleseg.engine.nn.optim.AdamW}. {@link #train(boolean)} switches training mode (stochastic depth
 * when {@link #setDropPath} set a rate; nothing else differs). {@link #save(Path)} writes an HF folder
 * (config.json + model.safetensors) that {@link #load} reads back; {@link #random} builds one from a config with
 * random weights (training from scratch).
 *
 * <p>Weights live in the model's own NDManager (closed with the model). A forward pass runs in a temporary
 * sub-manager; only the requested outputs survive, attached to the input's manager. Without a recording tape no
 * parameter requires a gradient, so inference builds no graph and concurrent forwards are safe (weights are read
 * only); while a tape records, the model belongs to the recording thread.
 */
public final class Dinov2Model implements AutoCloseable {
    private final Dinov2Config config;
    private final NDManager manager;
    private final Params params = new Params();
    private final Parameter clsToken;
    private final Parameter maskToken;
    private final Parameter registerTokens;
    private final Parameter patchW;
    private final Parameter patchB;
    private final PositionTable posTable;
    private final List<VitBlock> blocks = new ArrayList<>();
    private final Parameter normW;
    private final Parameter normB;
    private volatile boolean training;

    /** Everything one forward pass can return; arrays belong to the input's manager. */
    public record Output(NDArray embeddings, List<NDArray> blocks, NDArray xNorm, NDArray posEmbed, int gridH,
            int gridW, int registers) {

        /** Patch tokens of batch item {@code b} after the final norm as a [C, gridH, gridW] array. */
        public NDArray patchMap(int b) {
            long c = xNorm.getShape().get(2);
            return xNorm.get(b).get((1 + registers) + ":").transpose(1, 0).reshape(c, gridH, gridW);
        }

        /** CLS token after the final norm, [B, C]. */
        public NDArray cls() {
            return xNorm.get(":, 0, :");
        }
    }

    /** Loads {@code config.json} and {@code model.safetensors} from a model folder. */
    public static Dinov2Model load(Path dir, NDManager parent) {
        Dinov2Config cfg = Dinov2Config.fromJson(ModelConfig.read(dir.resolve("config.json")));
        try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            return new Dinov2Model(cfg, WeightSource.of(st), parent);
        }
    }

    /** A model of {@code config} with {@link Dinov2Weights#random} weights (seeded). */
    public static Dinov2Model random(Dinov2Config config, long seed, NDManager parent) {
        try (NDManager tmp = parent.newSubManager()) {
            return new Dinov2Model(config, WeightSource.of(Dinov2Weights.random(config, tmp, seed)), parent);
        }
    }

    public Dinov2Model(Dinov2Config config, WeightSource src, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            String p = src.contains("dinov2.embeddings.cls_token") ? "dinov2." : "";
            VitBlock.Loader l = new VitBlock.Loader(src, p, manager, params);
            clsToken = l.req("embeddings.cls_token");
            maskToken = l.opt("embeddings.mask_token");
            registerTokens = config.registers() > 0 ? l.req("embeddings.register_tokens") : null;
            posTable = new PositionTable(src, p, manager, params, "embeddings.position_embeddings",
                    (g, m) -> BicubicResize.offsetScale(g, m, config.interpolateOffset()));
            patchW = l.req("embeddings.patch_embeddings.projection.weight");
            long[] ws = patchW.shape();
            if (ws.length != 4 || ws[0] != config.hiddenSize() || ws[2] != config.patchSize()) {
                throw new IllegalArgumentException("patch projection " + new Shape(ws) + " does not match config");
            }
            patchB = l.req("embeddings.patch_embeddings.projection.bias");
            for (int i = 0; i < config.layers(); i++) {
                String b = "encoder.layer." + i + ".";
                VitBlock.Names names = new VitBlock.Names(b + "norm1", b + "attention.attention.query",
                        b + "attention.attention.key", b + "attention.attention.value", b + "attention.output.dense",
                        b + "layer_scale1.lambda1", b + "norm2", b + "mlp.fc1", b + "mlp.fc2", b + "layer_scale2.lambda1",
                        b + "mlp.weights_in", b + "mlp.weights_out");
                blocks.add(new VitBlock(src, p, manager, params, names, config.heads(), config.layerNormEps(),
                        Ops.Act.GELU, config.swiglu()));
            }
            normW = l.req("layernorm.weight");
            normB = l.req("layernorm.bias");
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Dinov2Config config() {
        return config;
    }

    /** Every weight, by HF name (see the class comment). */
    public Params params() {
        return params;
    }

    public int nativeGrid() {
        return posTable.nativeGrid();
    }

    /** Training mode (stochastic depth on) or evaluation mode (default). */
    public Dinov2Model train(boolean on) {
        this.training = on;
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /** Stochastic depth linearly from 0 (first block) to {@code maxRate} (last block), as DINOv2 / timm. */
    public void setDropPath(float maxRate) {
        VitBlock.setDropPath(blocks, maxRate);
    }

    /** Writes {@code config.json} and {@code model.safetensors} (HF names) into {@code dir}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        params.save(dir.resolve("model.safetensors"), Map.of());
        Path cfg = dir.resolve("config.json.tmp");
        Files.writeString(cfg, config.toJson().toPrettyString());
        Files.move(cfg, dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The position table for a grid as floats [(1 + gridH*gridW) * C] (official +0.1 rule off the native grid). */
    public float[] positionTable(int gridH, int gridW) {
        return posTable.floats(gridH, gridW);
    }

    /**
     * Forward pass of {@code pixels} [B, 3, H, W] (already normalized; H and W multiples of the patch size).
     *
     * @param keepBlocks also return every block's output (residual stream before the final norm)
     */
    public Output forward(NDArray pixels, boolean keepBlocks) {
        return forward(pixels, null, keepBlocks, null);
    }

    /**
     * Forward pass with optional masked patches and a probe.
     *
     * @param masks optional [B, N] (N = patches; 1 = masked): masked patch tokens are replaced by the mask token
     *     before the position embedding is added, as the official {@code prepare_tokens_with_masks}
     * @param posProbe optional [1, 1 + N, C] added to the position embedding: zeros from {@link GradTape#probe}
     *     read dL/d(position embedding added) (values unchanged)
     */
    public Output forward(NDArray pixels, NDArray masks, boolean keepBlocks, NDArray posProbe) {
        Shape s = pixels.getShape();
        int patch = config.patchSize();
        int[] grid = Ops.patchGrid(s, patch);
        long b = s.get(0);
        int gh = grid[0];
        int gw = grid[1];
        long c = config.hiddenSize();
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            long[] ws = patchW.shape();
            NDArray w2d = Ops.on(scope, patchW.value().reshape(ws[0], ws[1] * ws[2] * ws[3]));
            NDArray tokens = Ops.patchEmbed(pixels, w2d, patchB.value(), patch);
            if (masks != null) {
                if (maskToken == null) {
                    throw new IllegalStateException("this checkpoint has no embeddings.mask_token");
                }
                NDArray m = masks.toType(DataType.FLOAT32, false).reshape(b, (long) gh * gw, 1);
                m.attach(scope);
                tokens = tokens.mul(m.neg().add(1f)).add(m.mul(Ops.on(scope, maskToken.value().reshape(1, 1, c))));
            }
            NDArray cls = scope.zeros(new Shape(b, 1, c)).add(clsToken.value());
            NDArray pos = posTable.forGrid(gh, gw, scope).reshape(1, 1 + (long) gh * gw, c);
            if (posProbe != null) {
                pos = pos.add(posProbe);
            }
            NDArray x = NDArrays.concat(new NDList(cls, tokens), 1).add(pos);
            NDArray embeddings = x;
            if (registerTokens != null) {
                NDArray regs = scope.zeros(new Shape(b, config.registers(), c)).add(registerTokens.value());
                x = NDArrays.concat(new NDList(x.get(":, :1, :"), regs, x.get(":, 1:, :")), 1);
            }
            List<NDArray> outs = new ArrayList<>();
            for (VitBlock blk : blocks) {
                x = blk.forward(x, null, training);
                if (keepBlocks) {
                    outs.add(x);
                }
            }
            NDArray xNorm = Ops.layerNorm(x, normW.value(), normB.value(), config.layerNormEps());
            xNorm.attach(caller);
            NDArray posOut = null;
            if (keepBlocks) {
                embeddings.attach(caller);
                outs.forEach(o -> o.attach(caller));
                posOut = pos.duplicate(); // not a view of the table
                posOut.attach(caller);
            }
            return new Output(keepBlocks ? embeddings : null, outs, xNorm, posOut, gh, gw, config.registers());
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
