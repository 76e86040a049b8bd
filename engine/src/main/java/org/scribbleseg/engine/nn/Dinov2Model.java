package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DINOv2 ViT (official facebookresearch/dinov2 semantics) from HF {@code Dinov2Model} /
 * {@code Dinov2WithRegistersModel} weights: patch conv with bias, CLS (+ register tokens after CLS), position
 * embeddings with the official +0.1-offset bicubic interpolation for other grids, pre-LN blocks with layer scale,
 * exact GELU or SwiGLU FFN, final LayerNorm.
 *
 * <p>Weights live in the model's own NDManager (closed with the model). A forward pass runs in a temporary
 * sub-manager; only the requested outputs survive, attached to the input's manager. Thread-safe for concurrent
 * forwards (weights are read only; the position-table cache is synchronized).
 */
public final class Dinov2Model implements AutoCloseable {
    private static final int MAX_CACHED_TABLES = 16;

    private final Dinov2Config config;
    private final NDManager manager;
    private final NDArray clsToken;
    private final NDArray registerTokens;
    private final NDArray patchW;
    private final NDArray patchB;
    private final PositionTable posTable;
    private final List<VitBlock> blocks = new ArrayList<>();
    private final NDArray normW;
    private final NDArray normB;
    private final Map<Long, NDArray> posCache = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, NDArray> e) {
            if (size() > MAX_CACHED_TABLES) {
                e.getValue().close();
                return true;
            }
            return false;
        }
    });

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

    public Dinov2Model(Dinov2Config config, WeightSource src, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            String p = src.contains("dinov2.embeddings.cls_token") ? "dinov2." : "";
            clsToken = src.load(manager, p + "embeddings.cls_token");
            registerTokens = config.registers() > 0 ? src.load(manager, p + "embeddings.register_tokens") : null;
            NDArray w = src.load(manager, p + "embeddings.patch_embeddings.projection.weight");
            Shape ws = w.getShape();
            if (ws.get(0) != config.hiddenSize() || ws.get(2) != config.patchSize()) {
                throw new IllegalArgumentException("patch projection " + ws + " does not match config");
            }
            patchW = w.reshape(ws.get(0), ws.get(1) * ws.get(2) * ws.get(3));
            patchB = src.load(manager, p + "embeddings.patch_embeddings.projection.bias");
            posTable = new PositionTable(src, manager, p + "embeddings.position_embeddings");
            for (int i = 0; i < config.layers(); i++) {
                String b = p + "encoder.layer." + i + ".";
                VitBlock.Names names = new VitBlock.Names(b + "norm1", b + "attention.attention.query",
                        b + "attention.attention.key", b + "attention.attention.value", b + "attention.output.dense",
                        b + "layer_scale1.lambda1", b + "norm2", b + "mlp.fc1", b + "mlp.fc2", b + "layer_scale2.lambda1",
                        b + "mlp.weights_in", b + "mlp.weights_out");
                blocks.add(new VitBlock(src, manager, names, config.heads(), config.layerNormEps(), Ops.Act.GELU,
                        config.swiglu()));
            }
            normW = src.load(manager, p + "layernorm.weight");
            normB = src.load(manager, p + "layernorm.bias");
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Dinov2Config config() {
        return config;
    }

    public int nativeGrid() {
        return posTable.nativeGrid();
    }

    /**
     * The position embeddings added for a gridH x gridW patch grid, [1, 1 + gridH*gridW, C]: the stored table when
     * the grid is the native square one, else the official bicubic interpolation with scale factor
     * (g + 0.1) / M, computed in float32. Owned by the model (cached); do not close.
     */
    public NDArray positionEmbedding(int gridH, int gridW) {
        long key = ((long) gridH << 32) | gridW;
        synchronized (posCache) {
            NDArray t = posCache.get(key);
            if (t == null) {
                t = manager.create(positionTable(gridH, gridW), new Shape(1, 1 + (long) gridH * gridW, config.hiddenSize()));
                posCache.put(key, t);
            }
            return t;
        }
    }

    /** The position table for a grid as floats [(1 + gridH*gridW) * C]. */
    public float[] positionTable(int gridH, int gridW) {
        double offset = config.interpolateOffset();
        return posTable.forGrid(gridH, gridW, (g, m) -> BicubicResize.offsetScale(g, m, offset));
    }

    /**
     * Forward pass of {@code pixels} [B, 3, H, W] (already normalized; H and W multiples of the patch size).
     *
     * @param keepBlocks also return every block's output (residual stream before the final norm)
     */
    public Output forward(NDArray pixels, boolean keepBlocks) {
        Shape s = pixels.getShape();
        int patch = config.patchSize();
        int[] grid = Ops.patchGrid(s, patch);
        long b = s.get(0);
        int gh = grid[0];
        int gw = grid[1];
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            NDArray tokens = Ops.patchEmbed(pixels, patchW, patchB, patch);
            NDArray cls = tokens.getManager().zeros(new Shape(b, 1, config.hiddenSize())).add(clsToken);
            NDArray pos = positionEmbedding(gh, gw);
            NDArray x = NDArrays.concat(new NDList(cls, tokens), 1).add(pos);
            NDArray embeddings = x;
            if (registerTokens != null) {
                NDArray regs = tokens.getManager().zeros(new Shape(b, config.registers(), config.hiddenSize())).add(registerTokens);
                x = NDArrays.concat(new NDList(x.get(":, :1, :"), regs, x.get(":, 1:, :")), 1);
            }
            List<NDArray> outs = new ArrayList<>();
            for (VitBlock blk : blocks) {
                x = blk.forward(x, null);
                if (keepBlocks) {
                    outs.add(x);
                }
            }
            NDArray xNorm = Ops.layerNorm(x, normW, normB, config.layerNormEps());
            xNorm.attach(caller);
            NDArray posOut = null;
            if (keepBlocks) {
                embeddings.attach(caller);
                outs.forEach(o -> o.attach(caller));
                posOut = pos.duplicate();
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
