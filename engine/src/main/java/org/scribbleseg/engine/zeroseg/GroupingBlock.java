package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.scribbleseg.engine.nn.Ops;

/**
 * A GroupViT grouping block (Xu et al. 2022, {@code GroupingBlock} with {@code hard=True, gumbel=True}): S group
 * tokens take in N input tokens and become S segment tokens.
 *
 * <ol>
 *   <li>input tokens and group tokens are layer-normed; the group tokens attend to the input tokens (a multi-head
 *       cross-attention block with residual and MLP: GroupViT's {@code pre_assign_attn});</li>
 *   <li>assignment: {@code raw = q(groups) · k(inputs)ᵀ / √C} [B, S, N]; in training Gumbel noise
 *       −log(−log u) is added (τ = 1); a softmax over the S groups gives each input token a soft assignment
 *       {@code soft}; the hard assignment is the one-hot of its argmax, used with the straight-through estimator
 *       {@code A = hard − stop_gradient(soft) + soft}, so the forward uses one-hot assignments while gradients flow
 *       through {@code soft} to the group tokens and the projections;</li>
 *   <li>{@code A} is normalised over the inputs, {@code A / (Σ_N A + 1)} (GroupViT's {@code assign_eps} = 1), the
 *       values {@code v(inputs)} are pooled by it, projected, added to the group tokens, and an MLP with residual
 *       follows.</li>
 * </ol>
 * GroupViT's token MLP that maps S input group tokens to a different number of output groups is left out: here the
 * number of group tokens of a stage is its number of output segments.
 */
final class GroupingBlock {
    private final int heads;
    private final Init.Norm normX;
    private final Init.Norm normGroup;
    private final Init.Linear cq;
    private final Init.Linear ck;
    private final Init.Linear cv;
    private final Init.Linear cout;
    private final Init.Norm normMlp1;
    private final Init.Mlp mlp1;
    private final Init.Norm normAssign;
    private final Init.Linear aq;
    private final Init.Linear ak;
    private final Init.Linear av;
    private final Init.Linear aproj;
    private final Init.Norm normMlp2;
    private final Init.Mlp mlp2;

    /** Output: the segment tokens [B, S, C]; the hard (forward) assignment [B, S, N] and the soft one. */
    record Output(NDArray tokens, NDArray assignment, NDArray soft) {
    }

    GroupingBlock(Init in, String p, int c, int mlpHidden, int heads) {
        this.heads = heads;
        normX = in.norm(p + ".norm_x", c);
        normGroup = in.norm(p + ".norm_group", c);
        cq = in.linear(p + ".cross.q", c, c);
        ck = in.linear(p + ".cross.k", c, c);
        cv = in.linear(p + ".cross.v", c, c);
        cout = in.linear(p + ".cross.out", c, c);
        normMlp1 = in.norm(p + ".norm_mlp1", c);
        mlp1 = in.mlp(p + ".mlp1", c, mlpHidden);
        normAssign = in.norm(p + ".norm_assign", c);
        aq = in.linear(p + ".assign.q", c, c);
        ak = in.linear(p + ".assign.k", c, c);
        av = in.linear(p + ".assign.v", c, c);
        aproj = in.linear(p + ".assign.proj", c, c);
        normMlp2 = in.norm(p + ".norm_mlp2", c);
        mlp2 = in.mlp(p + ".mlp2", c, mlpHidden);
    }

    /**
     * @param x input tokens [B, N, C]
     * @param groups group tokens [B, S, C]
     * @param gumbel Gumbel noise [B, S, N] added to the assignment logits (training), or null (evaluation)
     */
    Output forward(NDArray x, NDArray groups, NDArray gumbel) {
        NDArray xn = normX.apply(x);
        NDArray g = groups.add(crossAttention(normGroup.apply(groups), xn));
        g = g.add(mlp1.apply(normMlp1.apply(g)));
        long c = x.getShape().get(2);
        NDArray q = aq.apply(normAssign.apply(g));
        NDArray k = ak.apply(xn);
        NDArray v = av.apply(xn);
        NDArray raw = Ops.mul(q.matMul(k.transpose(0, 2, 1)), (float) (1 / Math.sqrt(c)));
        Assignment a = assign(gumbel == null ? raw : raw.add(gumbel));
        NDArray norm = a.straightThrough().div(a.straightThrough().sum(new int[] {2}, true).add(1f));
        NDArray out = g.add(aproj.apply(norm.matMul(v)));
        out = out.add(mlp2.apply(normMlp2.apply(out)));
        return new Output(out, a.straightThrough(), a.soft());
    }

    /** A hard assignment with its soft counterpart. */
    record Assignment(NDArray soft, NDArray hard, NDArray straightThrough) {
    }

    /**
     * Hard assignment of each input to one group from logits [B, S, N]: softmax over S, one-hot of the argmax, and
     * the straight-through combination {@code hard − stop_gradient(soft) + soft} (GroupViT's {@code hard_softmax}).
     */
    static Assignment assign(NDArray logits) {
        Shape s = logits.getShape();
        NDArray soft = logits.softmax(1);
        NDArray index = soft.argMax(1); // [B, N]
        NDArray hard = index.oneHot((int) s.get(1)).toType(DataType.FLOAT32, false).transpose(0, 2, 1); // [B, S, N]
        NDArray st = hard.sub(soft.stopGradient()).add(soft);
        return new Assignment(soft, hard, st);
    }

    private NDArray crossAttention(NDArray g, NDArray xn) {
        Shape gs = g.getShape();
        long b = gs.get(0);
        long s = gs.get(1);
        long c = gs.get(2);
        long n = xn.getShape().get(1);
        long hd = c / heads;
        NDArray q = cq.apply(g).reshape(b, s, heads, hd).transpose(0, 2, 1, 3);
        NDArray k = ck.apply(xn).reshape(b, n, heads, hd).transpose(0, 2, 3, 1);
        NDArray v = cv.apply(xn).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
        NDArray att = Ops.mul(q.matMul(k), (float) (1 / Math.sqrt(hd))).softmax(3);
        return cout.apply(att.matMul(v).transpose(0, 2, 1, 3).reshape(b, s, c));
    }
}
