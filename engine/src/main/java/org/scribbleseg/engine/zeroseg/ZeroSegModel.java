package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.VitBlock;

/**
 * The ZeroSeg student (methods.md §E) on DJL autograd, built from a {@link ZeroSegConfig} with random weights:
 *
 * <ul>
 *   <li><b>encoder</b>: patch embedding (a linear map of each P×P×3 patch), learnable position embeddings, pre-LN
 *       ViT blocks, final LayerNorm; no class token. In training only the visible patches enter it (MAE: the masked
 *       ones are dropped, not replaced);</li>
 *   <li><b>MAE decoder</b>: the encoded visible tokens linearly embedded to the decoder width, a learnable mask
 *       token in every masked position, decoder position embeddings, ViT blocks, LayerNorm and a linear map to the
 *       P×P×3 pixels of each patch;</li>
 *   <li><b>segmentation head</b>: two GroupViT stages; stage s concatenates its learnable group tokens with its
 *       input tokens, runs {@code groupDepth} ViT blocks over them and a {@link GroupingBlock} that assigns every
 *       input token to one group (hard Gumbel-softmax, straight-through). Stage 1 groups the encoder tokens into
 *       {@code groupTokens1} segments, stage 2 those into {@code groupTokens2}. The final segment tokens are
 *       layer-normed and projected to the teacher's embedding size: g_1..g_S.</li>
 * </ul>
 * Parameters are named {@code encoder.*}, {@code decoder.*}, {@code seg.*} in {@link #params()}. Outputs are
 * attached to the input's manager.
 */
public final class ZeroSegModel implements AutoCloseable {
    private final ZeroSegConfig config;
    private final NDManager manager;
    private final Params params = new Params();
    private final Init.Linear patch;
    private final org.scribbleseg.engine.nn.Parameter pos;
    private final List<VitBlock> encoder = new ArrayList<>();
    private final Init.Norm encNorm;
    private final org.scribbleseg.engine.nn.Parameter group1;
    private final List<VitBlock> stage1 = new ArrayList<>();
    private final GroupingBlock grouping1;
    private final org.scribbleseg.engine.nn.Parameter group2;
    private final List<VitBlock> stage2 = new ArrayList<>();
    private final GroupingBlock grouping2;
    private final Init.Norm segNorm;
    private final Init.Linear segProj;
    private final Init.Linear decEmbed;
    private final org.scribbleseg.engine.nn.Parameter maskToken;
    private final org.scribbleseg.engine.nn.Parameter decPos;
    private final List<VitBlock> decoder = new ArrayList<>();
    private final Init.Norm decNorm;
    private final Init.Linear decPred;

    /**
     * One forward pass.
     *
     * @param segments g_1..g_S [B, groupTokens2, embedDim] (not normalised)
     * @param assignment1 stage-1 hard assignment [B, groupTokens1, tokens]
     * @param assignment2 stage-2 hard assignment [B, groupTokens2, groupTokens1]
     * @param reconstruction predicted pixels of every patch [B, patches, P·P·3] (channel-major inside a patch, as
     *     {@link #patchify}), null without a mask
     */
    public record Output(NDArray segments, NDArray assignment1, NDArray assignment2, NDArray reconstruction) {
    }

    /** A model of {@code config} with weights drawn from {@code seed}. */
    public ZeroSegModel(ZeroSegConfig config, long seed, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            Init in = new Init(manager, params, new SeededRandom(seed));
            int c = config.width();
            int n = config.patches();
            int pp = 3 * config.patchSize() * config.patchSize();
            patch = in.linear("encoder.patch", c, pp);
            pos = in.normal("encoder.pos", 1, n, c);
            for (int i = 0; i < config.depth(); i++) {
                encoder.add(in.block("encoder.blocks." + i, c, config.mlpHidden(), config.heads()));
            }
            encNorm = in.norm("encoder.norm", c);
            group1 = in.normal("seg.stage1.group_tokens", 1, config.groupTokens1(), c);
            for (int i = 0; i < config.groupDepth(); i++) {
                stage1.add(in.block("seg.stage1.blocks." + i, c, config.mlpHidden(), config.heads()));
            }
            grouping1 = new GroupingBlock(in, "seg.stage1.grouping", c, config.mlpHidden(), config.heads());
            group2 = in.normal("seg.stage2.group_tokens", 1, config.groupTokens2(), c);
            for (int i = 0; i < config.groupDepth(); i++) {
                stage2.add(in.block("seg.stage2.blocks." + i, c, config.mlpHidden(), config.heads()));
            }
            grouping2 = new GroupingBlock(in, "seg.stage2.grouping", c, config.mlpHidden(), config.heads());
            segNorm = in.norm("seg.norm", c);
            segProj = in.linear("seg.proj", config.embedDim(), c);
            int cd = config.decoderWidth();
            decEmbed = in.linear("decoder.embed", cd, c);
            maskToken = in.normal("decoder.mask_token", 1, 1, cd);
            decPos = in.normal("decoder.pos", 1, n, cd);
            for (int i = 0; i < config.decoderDepth(); i++) {
                decoder.add(in.block("decoder.blocks." + i, cd, 4L * cd, config.decoderHeads()));
            }
            decNorm = in.norm("decoder.norm", cd);
            decPred = in.linear("decoder.pred", pp, cd);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public ZeroSegConfig config() {
        return config;
    }

    public Params params() {
        return params;
    }

    /** Pixels [B, 3, S, S] as patches [B, N, 3·P·P] (row-major patches, channel-major inside: the patch embedding's layout). */
    public static NDArray patchify(NDArray x, int patch) {
        Shape s = x.getShape();
        long b = s.get(0);
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        return x.reshape(b, 3, gh, patch, gw, patch).transpose(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, 3L * patch * patch);
    }

    /**
     * Forward pass of {@code pixels} [B, 3, S, S] (normalised).
     *
     * @param keep per batch item the indices of the visible patches (each row sorted, all rows the same length), or
     *     null: every patch visible and no reconstruction
     * @param gumbel Gumbel noise for the two grouping stages ([B, S1, V] and [B, S2, S1]), or null (evaluation:
     *     plain hard argmax assignment)
     */
    public Output forward(NDArray pixels, int[][] keep, NDArray[] gumbel) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(2) != config.inputSize() || s.get(3) != config.inputSize()) {
            throw new IllegalArgumentException("input " + s + " must be [B, 3, " + config.inputSize() + ", " + config.inputSize() + "]");
        }
        int b = (int) s.get(0);
        int n = config.patches();
        int c = config.width();
        NDManager caller = pixels.getManager();
        try (NDManager scope = caller.newSubManager()) {
            pixels.tempAttach(scope);
            NDArray x = patch.apply(patchify(pixels, config.patchSize())).add(pos.value());
            int v = n;
            if (keep != null) {
                v = keep[0].length;
                long[] idx = new long[b * v];
                for (int i = 0; i < b; i++) {
                    if (keep[i].length != v) {
                        throw new IllegalArgumentException("every batch item must keep the same number of patches");
                    }
                    for (int j = 0; j < v; j++) {
                        idx[i * v + j] = (long) i * n + keep[i][j];
                    }
                }
                x = Ops.embedding(scope.create(idx, new Shape(b, v)), x.reshape((long) b * n, c));
            }
            for (VitBlock blk : encoder) {
                x = blk.forward(x, null, false);
            }
            NDArray enc = encNorm.apply(x);
            GroupingBlock.Output o1 = stage(enc, group1, stage1, grouping1, gumbel == null ? null : gumbel[0], scope);
            GroupingBlock.Output o2 = stage(o1.tokens(), group2, stage2, grouping2, gumbel == null ? null : gumbel[1], scope);
            NDArray seg = segProj.apply(segNorm.apply(o2.tokens()));
            NDArray rec = null;
            if (keep != null) {
                rec = decode(enc, keep, b, n, v, scope);
                rec.attach(caller);
            }
            seg.attach(caller);
            o1.assignment().attach(caller);
            o2.assignment().attach(caller);
            return new Output(seg, o1.assignment(), o2.assignment(), rec);
        }
    }

    private static GroupingBlock.Output stage(NDArray x, org.scribbleseg.engine.nn.Parameter groupTokens, List<VitBlock> blocks,
            GroupingBlock grouping, NDArray gumbel, NDManager scope) {
        Shape gs = new Shape(groupTokens.shape());
        long b = x.getShape().get(0);
        long sGroups = gs.get(1);
        NDArray g = scope.zeros(new Shape(b, sGroups, gs.get(2))).add(groupTokens.value());
        NDArray t = NDArrays.concat(new NDList(g, x), 1);
        for (VitBlock blk : blocks) {
            t = blk.forward(t, null, false);
        }
        return grouping.forward(t.get(":, " + sGroups + ":, :"), t.get(":, :" + sGroups + ", :"), gumbel);
    }

    private NDArray decode(NDArray enc, int[][] keep, int b, int n, int v, NDManager scope) {
        int cd = config.decoderWidth();
        NDArray d = decEmbed.apply(enc); // [B, V, Cd]
        NDArray masks = scope.zeros(new Shape(b, n - v, cd)).add(maskToken.value());
        NDArray all = NDArrays.concat(new NDList(d, masks), 1).reshape((long) b * n, cd);
        long[] idx = new long[b * n];
        for (int i = 0; i < b; i++) {
            boolean[] visible = new boolean[n];
            int[] slot = new int[n];
            for (int j = 0; j < v; j++) {
                visible[keep[i][j]] = true;
                slot[keep[i][j]] = j;
            }
            int masked = v;
            for (int p = 0; p < n; p++) {
                idx[i * n + p] = (long) i * n + (visible[p] ? slot[p] : masked++);
            }
        }
        NDArray y = Ops.embedding(scope.create(idx, new Shape(b, n)), all).add(decPos.value());
        for (VitBlock blk : decoder) {
            y = blk.forward(y, null, false);
        }
        return decPred.apply(decNorm.apply(y));
    }

    /**
     * Per batch item, the final segment (0..groupTokens2−1) of every patch: the stage-2 group of its stage-1 group
     * (argmax of the hard assignments), row-major over the patch grid. Needs a forward without a mask.
     */
    public static int[][] segmentOfPatch(Output o) {
        long[] s1 = o.assignment1().argMax(1).toType(DataType.INT64, false).toLongArray(); // [B, N]
        long[] s2 = o.assignment2().argMax(1).toType(DataType.INT64, false).toLongArray(); // [B, S1]
        long b = o.assignment1().getShape().get(0);
        int n = (int) o.assignment1().getShape().get(2);
        int g1 = (int) o.assignment2().getShape().get(2);
        int[][] out = new int[(int) b][n];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < n; p++) {
                out[i][p] = (int) s2[i * g1 + (int) s1[i * n + p]];
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
