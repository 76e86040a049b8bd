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
 * CLIP (official openai/CLIP semantics) from HF {@code CLIPModel} weights, trainable: the vision tower (patch conv
 * without bias, class token, position table resized by output size for other grids (in autograd, see
 * {@link PositionTable}), pre_layrnorm, QuickGELU blocks, post_layernorm on CLS, visual projection), the MaskCLIP
 * dense path, and the text tower (causal mask, pooling at the argmax of the ids = EOT, text projection), plus CLIP
 * logits with the learnable {@code logit_scale}.
 *
 * <p><b>Training API.</b> {@link #params()} holds every weight under its HF {@code CLIPModel} name
 * ({@code vision_model.encoder.layers.0.self_attn.q_proj.weight}, {@code text_model.embeddings.token_embedding.weight},
 * {@code logit_scale}, ...); freeze by name predicate (e.g. SemiVL: everything but names containing "attn" or
 * "position"), record with {@code params().record()}, step with {@link org.scribbleseg.engine.nn.optim.AdamW}.
 * {@link VisionOutput#blocks} taps every block's output. {@link #train(boolean)} toggles training mode (there is no
 * dropout in CLIP: attention/MLP dropout rates are 0; the flag is kept for API symmetry with DINOv2's stochastic
 * depth). {@link #save(Path)} writes model.safetensors (config.json is copied by the caller).
 *
 * <p>Input ids are already tokenized (see the BPE tokenizer). Outputs are attached to the input's manager.
 */
public final class ClipModel implements AutoCloseable {
    private final ClipConfig config;
    private final NDManager manager;
    private final Params params = new Params();
    // vision
    private final Parameter classEmb;
    private final Parameter patchW;
    private final PositionTable posTable;
    private final Parameter preW;
    private final Parameter preB;
    private final List<VitBlock> vBlocks = new ArrayList<>();
    private final Parameter postW;
    private final Parameter postB;
    private final Parameter visualProj;
    // text (null when loaded without the text tower)
    private final Parameter tokenEmb;
    private final Parameter textPos;
    private final List<VitBlock> tBlocks = new ArrayList<>();
    private final Parameter finalW;
    private final Parameter finalB;
    private final Parameter textProj;
    private final Parameter logitScale;
    private volatile boolean training;

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

    /** A model of {@code config} with {@link ClipWeights#random} weights (seeded). */
    public static ClipModel random(ClipConfig config, long seed, NDManager parent, boolean withText) {
        try (NDManager tmp = parent.newSubManager()) {
            return new ClipModel(config, WeightSource.of(ClipWeights.random(config, tmp, seed, withText)), parent,
                    withText);
        }
    }

    public ClipModel(ClipConfig config, WeightSource src, NDManager parent, boolean withText) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            VitBlock.Loader l = new VitBlock.Loader(src, "", manager, params);
            String v = "vision_model.";
            classEmb = l.req(v + "embeddings.class_embedding");
            patchW = l.req(v + "embeddings.patch_embedding.weight");
            posTable = new PositionTable(src, "", manager, params, v + "embeddings.position_embedding.weight",
                    (g, m) -> BicubicResize.sizeScale(m, g));
            preW = l.req(v + "pre_layrnorm.weight");
            preB = l.req(v + "pre_layrnorm.bias");
            loadBlocks(src, v + "encoder.layers.", config.vision(), vBlocks);
            postW = l.req(v + "post_layernorm.weight");
            postB = l.req(v + "post_layernorm.bias");
            visualProj = l.req("visual_projection.weight");
            if (withText) {
                String t = "text_model.";
                tokenEmb = l.req(t + "embeddings.token_embedding.weight");
                textPos = l.req(t + "embeddings.position_embedding.weight");
                loadBlocks(src, t + "encoder.layers.", config.text(), tBlocks);
                finalW = l.req(t + "final_layer_norm.weight");
                finalB = l.req(t + "final_layer_norm.bias");
                textProj = l.req("text_projection.weight");
                logitScale = l.req("logit_scale");
            } else {
                tokenEmb = null;
                textPos = null;
                finalW = null;
                finalB = null;
                textProj = null;
                logitScale = null;
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
            out.add(new VitBlock(src, "", manager, params, names, tower.heads(), tower.layerNormEps(), tower.act(), false));
        }
    }

    public ClipConfig config() {
        return config;
    }

    /** Every weight, by HF name (see the class comment). */
    public Params params() {
        return params;
    }

    /** Training mode (stochastic depth on where {@link #setDropPath} set a rate) or evaluation mode (default). */
    public ClipModel train(boolean on) {
        this.training = on;
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /** Stochastic depth of the vision tower, linearly from 0 (first block) to {@code maxRate} (last block). */
    public void setDropPath(float maxRate) {
        VitBlock.setDropPath(vBlocks, maxRate);
    }

    /** Writes every parameter to {@code file} (safetensors, HF names). */
    public void save(Path file) throws java.io.IOException {
        params.save(file, java.util.Map.of());
    }

    public boolean hasText() {
        return tokenEmb != null;
    }

    /** exp(logit_scale). */
    public float logitMultiplier() {
        if (logitScale == null) {
            return Float.NaN;
        }
        return (float) Math.exp(logitScale.data().toFloatArray()[0]);
    }

    /** Position table for a grid as floats [(1 + gridH*gridW) * width]: resized by output size (no offset). */
    public float[] positionTable(int gridH, int gridW) {
        return posTable.floats(gridH, gridW);
    }

    /**
     * Vision tower on {@code pixels} [B, 3, H, W] (normalized, multiples of the patch size).
     *
     * @param keepBlocks also return embeddings, block outputs, last hidden state and the position table
     * @param dense also compute the MaskCLIP dense patch embeddings [B, N, D] (not L2-normalized)
     */
    public VisionOutput encodeImage(NDArray pixels, boolean keepBlocks, boolean dense) {
        return encodeImage(pixels, keepBlocks, dense, null);
    }

    /** As {@link #encodeImage(NDArray, boolean, boolean)}; {@code posProbe} [1 + N, width] is added to the table. */
    public VisionOutput encodeImage(NDArray pixels, boolean keepBlocks, boolean dense, NDArray posProbe) {
        Shape s = pixels.getShape();
        int patch = config.patchSize();
        int[] grid = Ops.patchGrid(s, patch);
        int gh = grid[0];
        int gw = grid[1];
        float eps = config.vision().layerNormEps();
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            NDArray pos = posTable.forGrid(gh, gw, scope);
            if (posProbe != null) {
                pos = pos.add(posProbe);
            }
            NDArray emb = embed(pixels, pos, scope);
            NDArray x = Ops.layerNorm(emb, preW.value(), preB.value(), eps);
            List<NDArray> outs = new ArrayList<>();
            NDArray beforeLast = x;
            for (int i = 0; i < vBlocks.size(); i++) {
                if (i == vBlocks.size() - 1) {
                    beforeLast = x;
                }
                x = vBlocks.get(i).forward(x, null, training);
                if (keepBlocks) {
                    outs.add(x);
                }
            }
            NDArray clsOut = Ops.layerNorm(x.get(":, 0, :"), postW.value(), postB.value(), eps);
            NDArray imageEmbeds = Ops.linear(clsOut, visualProj.value(), null);
            imageEmbeds.attach(caller);
            NDArray denseEmbeds = null;
            if (dense) {
                NDArray d = vBlocks.get(vBlocks.size() - 1).forwardValueOnly(beforeLast, training);
                d = Ops.layerNorm(d, postW.value(), postB.value(), eps);
                denseEmbeds = Ops.linear(d.get(":, 1:, :"), visualProj.value(), null);
                denseEmbeds.attach(caller);
            }
            NDArray posOut = null;
            if (keepBlocks) {
                emb.attach(caller);
                outs.forEach(o -> o.attach(caller));
                posOut = pos.duplicate(); // not a view of the table
                posOut.attach(caller);
            }
            return new VisionOutput(keepBlocks ? emb : null, outs, keepBlocks ? x : null, imageEmbeds, denseEmbeds,
                    posOut, gh, gw);
        }
    }

    /** Patch tokens with the class token prepended and {@code pos} added, [B, 1 + N, width], in {@code scope}. */
    private NDArray embed(NDArray pixels, NDArray pos, NDManager scope) {
        long b = pixels.getShape().get(0);
        long[] ws = patchW.shape();
        NDArray w2d = Ops.on(scope, patchW.value().reshape(ws[0], ws[1] * ws[2] * ws[3]));
        NDArray tokens = Ops.patchEmbed(pixels, w2d, null, config.patchSize());
        NDArray cls = scope.zeros(new Shape(b, 1, config.vision().hiddenSize())).add(classEmb.value());
        return NDArrays.concat(new NDList(cls, tokens), 1).add(pos);
    }

    /**
     * MaskCLIP value-path outputs, as SemiVL's backbone returns them: {@code values} [B, N, width] (patch tokens, no
     * post-layernorm) of the value path through each block in {@code taps} (0-based, below the last block), and
     * {@code dense} [B, N, projection] = visual projection of post_layernorm of the last block's value path (not
     * L2-normalised). The residual stream feeds the next block as usual; the last block's regular attention is not
     * computed (nothing uses it). Arrays are attached to the input's manager.
     */
    public record TapOutput(List<NDArray> values, NDArray dense, int gridH, int gridW) {
    }

    /** See {@link TapOutput}. */
    public TapOutput encodeValueTaps(NDArray pixels, int[] taps) {
        int[] grid = Ops.patchGrid(pixels.getShape(), config.patchSize());
        float eps = config.vision().layerNormEps();
        int last = vBlocks.size() - 1;
        for (int t : taps) {
            if (t < 0 || t >= last) {
                throw new IllegalArgumentException("tap block " + t + " outside [0, " + last + ")");
            }
        }
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            NDArray x = Ops.layerNorm(embed(pixels, posTable.forGrid(grid[0], grid[1], scope), scope), preW.value(),
                    preB.value(), eps);
            List<NDArray> values = new ArrayList<>();
            for (int i = 0; i < last; i++) {
                for (int t : taps) {
                    if (t == i) {
                        values.add(vBlocks.get(i).forwardValueOnly(x, training).get(":, 1:, :"));
                    }
                }
                x = vBlocks.get(i).forward(x, null, training);
            }
            NDArray d = Ops.layerNorm(vBlocks.get(last).forwardValueOnly(x, training), postW.value(), postB.value(), eps);
            NDArray dense = Ops.linear(d.get(":, 1:, :"), visualProj.value(), null);
            values.forEach(v -> v.attach(caller));
            dense.attach(caller);
            return new TapOutput(values, dense, grid[0], grid[1]);
        }
    }

    /** Text tower on token ids [B, L] (INT64, L ≤ max positions), pooled at each row's argmax (EOT). */
    public TextOutput encodeText(NDArray ids) {
        if (tokenEmb == null) {
            throw new IllegalStateException("CLIP model was loaded without its text tower");
        }
        Shape s = ids.getShape();
        long maxPos = textPos.shape()[0];
        if (s.dimension() != 2 || s.get(1) > maxPos) {
            throw new IllegalArgumentException("ids " + s + " must be [B, L] with L <= " + maxPos);
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
            NDArray x = Ops.embedding(idArr, tokenEmb.value())
                    .add(Ops.embedding(scope.arange(0, len, 1, DataType.INT64), textPos.value()));
            float[] maskData = new float[len * len];
            for (int i = 0; i < len; i++) {
                for (int j = i + 1; j < len; j++) {
                    maskData[i * len + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray mask = scope.create(maskData, new Shape(len, len));
            for (VitBlock blk : tBlocks) {
                x = blk.forward(x, mask, training);
            }
            NDArray h = Ops.layerNorm(x, finalW.value(), finalB.value(), config.text().layerNormEps());
            long c = h.getShape().get(2);
            NDArray pooled = Ops.embedding(scope.create(flatIdx), h.reshape((long) b * len, c));
            NDArray textEmbeds = Ops.linear(pooled, textProj.value(), null);
            h.attach(caller);
            textEmbeds.attach(caller);
            return new TextOutput(h, textEmbeds, eot);
        }
    }

    /** exp(logit_scale) * normalize(image) @ normalize(text)^T, [Bi, Bt]; attached to the image array's manager. */
    public NDArray logitsPerImage(NDArray imageEmbeds, NDArray textEmbeds) {
        NDArray i = Ops.l2normalize(imageEmbeds);
        NDArray t = Ops.l2normalize(textEmbeds);
        NDArray scale = Ops.on(imageEmbeds.getManager(), logitScale.value().exp());
        return i.matMul(t.transpose(1, 0)).mul(scale);
    }

    @Override
    public void close() {
        manager.close();
    }
}
