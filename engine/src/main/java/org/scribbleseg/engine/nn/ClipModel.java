package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP (official openai/CLIP semantics) from HF {@code CLIPModel} weights: the vision tower (patch conv without
 * bias, class token, position table resized by output size for other grids, pre_layrnorm, QuickGELU blocks,
 * post_layernorm on CLS, visual projection), the MaskCLIP dense path, and the text tower (causal mask, pooling at
 * the argmax of the ids = EOT, text projection), plus CLIP logits.
 *
 * <p>Input ids are already tokenized (see the BPE tokenizer). Outputs are attached to the input's manager.
 */
public final class ClipModel implements AutoCloseable {
    private final ClipConfig config;
    private final NDManager manager;
    // vision
    private final NDArray classEmb;
    private final NDArray patchW;
    private final PositionTable posTable;
    private final NDArray preW;
    private final NDArray preB;
    private final List<VitBlock> vBlocks = new ArrayList<>();
    private final NDArray postW;
    private final NDArray postB;
    private final NDArray visualProj;
    // text (null when loaded without the text tower)
    private final NDArray tokenEmb;
    private final NDArray textPos;
    private final List<VitBlock> tBlocks = new ArrayList<>();
    private final NDArray finalW;
    private final NDArray finalB;
    private final NDArray textProj;
    private final float logitScale;

    /** Vision outputs; arrays belong to the input's manager, optional ones are null when not requested. */
    public record VisionOutput(NDArray embeddings, List<NDArray> blocks, NDArray lastHidden, NDArray imageEmbeds,
            NDArray denseEmbeds, NDArray posEmbed, int gridH, int gridW) {
    }

    /** Text outputs; arrays belong to the ids' manager. */
    public record TextOutput(NDArray lastHiddenState, NDArray textEmbeds, long[] eotIndex) {
    }

    public static ClipModel load(Path dir, NDManager parent, boolean withText) {
        ClipConfig cfg = ClipConfig.fromJson(ModelConfig.read(dir.resolve("config.json")));
        try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
            return new ClipModel(cfg, WeightSource.of(st), parent, withText);
        }
    }

    public ClipModel(ClipConfig config, WeightSource src, NDManager parent, boolean withText) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            String v = "vision_model.";
            classEmb = src.load(manager, v + "embeddings.class_embedding");
            NDArray w = src.load(manager, v + "embeddings.patch_embedding.weight");
            Shape ws = w.getShape();
            patchW = w.reshape(ws.get(0), ws.get(1) * ws.get(2) * ws.get(3));
            posTable = new PositionTable(src, manager, v + "embeddings.position_embedding.weight");
            preW = src.load(manager, v + "pre_layrnorm.weight");
            preB = src.load(manager, v + "pre_layrnorm.bias");
            loadBlocks(src, v + "encoder.layers.", config.vision(), vBlocks);
            postW = src.load(manager, v + "post_layernorm.weight");
            postB = src.load(manager, v + "post_layernorm.bias");
            visualProj = src.load(manager, "visual_projection.weight");
            if (withText) {
                String t = "text_model.";
                tokenEmb = src.load(manager, t + "embeddings.token_embedding.weight");
                textPos = src.load(manager, t + "embeddings.position_embedding.weight");
                loadBlocks(src, t + "encoder.layers.", config.text(), tBlocks);
                finalW = src.load(manager, t + "final_layer_norm.weight");
                finalB = src.load(manager, t + "final_layer_norm.bias");
                textProj = src.load(manager, "text_projection.weight");
                try (NDManager tmp = manager.newSubManager()) {
                    logitScale = src.load(tmp, "logit_scale").toFloatArray()[0];
                }
            } else {
                tokenEmb = null;
                textPos = null;
                finalW = null;
                finalB = null;
                textProj = null;
                logitScale = Float.NaN;
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void loadBlocks(WeightSource src, String prefix, ClipConfig.Tower tower, List<VitBlock> out) {
        for (int i = 0; i < tower.layers(); i++) {
            String b = prefix + i + ".";
            VitBlock.Names names = new VitBlock.Names(b + "layer_norm1", b + "self_attn.q_proj", b + "self_attn.k_proj",
                    b + "self_attn.v_proj", b + "self_attn.out_proj", null, b + "layer_norm2", b + "mlp.fc1",
                    b + "mlp.fc2", null, null, null);
            out.add(new VitBlock(src, manager, names, tower.heads(), tower.layerNormEps(), tower.act(), false));
        }
    }

    public ClipConfig config() {
        return config;
    }

    public boolean hasText() {
        return tokenEmb != null;
    }

    /** exp(logit_scale). */
    public float logitMultiplier() {
        return (float) Math.exp(logitScale);
    }

    /** Position table for a grid as floats [(1 + gridH*gridW) * width]: resized by output size (no offset). */
    public float[] positionTable(int gridH, int gridW) {
        return posTable.forGrid(gridH, gridW, (g, m) -> BicubicResize.sizeScale(m, g));
    }

    /**
     * Vision tower on {@code pixels} [B, 3, H, W] (normalized, multiples of the patch size).
     *
     * @param keepBlocks also return embeddings, block outputs, last hidden state and the position table
     * @param dense also compute the MaskCLIP dense patch embeddings [B, N, D] (not L2-normalized)
     */
    public VisionOutput encodeImage(NDArray pixels, boolean keepBlocks, boolean dense) {
        Shape s = pixels.getShape();
        int patch = config.patchSize();
        int[] grid = Ops.patchGrid(s, patch);
        long b = s.get(0);
        int gh = grid[0];
        int gw = grid[1];
        int c = config.vision().hiddenSize();
        float eps = config.vision().layerNormEps();
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            NDArray tokens = Ops.patchEmbed(pixels, patchW, null, patch);
            NDArray cls = scope.zeros(new Shape(b, 1, c)).add(classEmb);
            NDArray pos = scope.create(positionTable(gh, gw), new Shape(1, 1 + (long) gh * gw, c));
            NDArray emb = NDArrays.concat(new NDList(cls, tokens), 1).add(pos);
            NDArray x = Ops.layerNorm(emb, preW, preB, eps);
            List<NDArray> outs = new ArrayList<>();
            NDArray beforeLast = x;
            for (int i = 0; i < vBlocks.size(); i++) {
                if (i == vBlocks.size() - 1) {
                    beforeLast = x;
                }
                x = vBlocks.get(i).forward(x, null);
                if (keepBlocks) {
                    outs.add(x);
                }
            }
            NDArray clsOut = Ops.layerNorm(x.get(":, 0, :"), postW, postB, eps);
            NDArray imageEmbeds = Ops.linear(clsOut, visualProj, null);
            imageEmbeds.attach(caller);
            NDArray denseEmbeds = null;
            if (dense) {
                NDArray d = vBlocks.get(vBlocks.size() - 1).forwardValueOnly(beforeLast);
                d = Ops.layerNorm(d, postW, postB, eps);
                denseEmbeds = Ops.linear(d.get(":, 1:, :"), visualProj, null);
                denseEmbeds.attach(caller);
            }
            if (keepBlocks) {
                emb.attach(caller);
                outs.forEach(o -> o.attach(caller));
                pos.attach(caller);
            }
            return new VisionOutput(keepBlocks ? emb : null, outs, keepBlocks ? x : null, imageEmbeds, denseEmbeds,
                    keepBlocks ? pos : null, gh, gw);
        }
    }

    /** Text tower on token ids [B, L] (INT64, L ≤ max positions), pooled at each row's argmax (EOT). */
    public TextOutput encodeText(NDArray ids) {
        if (tokenEmb == null) {
            throw new IllegalStateException("CLIP model was loaded without its text tower");
        }
        Shape s = ids.getShape();
        if (s.dimension() != 2 || s.get(1) > textPos.getShape().get(0)) {
            throw new IllegalArgumentException("ids " + s + " must be [B, L] with L <= " + textPos.getShape().get(0));
        }
        int b = (int) s.get(0);
        int len = (int) s.get(1);
        long[] idv = ids.toType(DataType.INT64, false).toLongArray();
        long[] eot = new long[b];
        long[] flatIdx = new long[b];
        for (int r = 0; r < b; r++) {
            int best = 0;
            for (int j = 1; j < len; j++) {
                if (idv[r * len + j] > idv[r * len + best]) {
                    best = j;
                }
            }
            eot[r] = best;
            flatIdx[r] = (long) r * len + best;
        }
        NDManager caller = ids.getManager();
        try (NDManager scope = caller.newSubManager()) {
            NDArray idArr = scope.create(idv, s);
            // positions gathered with an index owned by the scope, so no slice of the weight lands in the model manager
            NDArray x = Ops.embedding(idArr, tokenEmb).add(Ops.embedding(scope.arange(0, len, 1, DataType.INT64), textPos));
            float[] maskData = new float[len * len];
            for (int i = 0; i < len; i++) {
                for (int j = i + 1; j < len; j++) {
                    maskData[i * len + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray mask = scope.create(maskData, new Shape(len, len));
            for (VitBlock blk : tBlocks) {
                x = blk.forward(x, mask);
            }
            NDArray h = Ops.layerNorm(x, finalW, finalB, config.text().layerNormEps());
            long c = h.getShape().get(2);
            NDArray pooled = Ops.embedding(scope.create(flatIdx), h.reshape((long) b * len, c));
            NDArray textEmbeds = Ops.linear(pooled, textProj, null);
            h.attach(caller);
            textEmbeds.attach(caller);
            return new TextOutput(h, textEmbeds, eot);
        }
    }

    /** exp(logit_scale) * normalize(image) @ normalize(text)^T, [Bi, Bt]; attached to the image array's manager. */
    public NDArray logitsPerImage(NDArray imageEmbeds, NDArray textEmbeds) {
        NDArray i = Ops.l2normalize(imageEmbeds);
        NDArray t = Ops.l2normalize(textEmbeds);
        return i.matMul(t.transpose(1, 0)).mul(logitMultiplier());
    }

    @Override
    public void close() {
        manager.close();
    }
}
