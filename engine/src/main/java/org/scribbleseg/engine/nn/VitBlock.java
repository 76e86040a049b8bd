package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * One pre-LN transformer block, as DINOv2 and CLIP use it:
 * {@code x = x + ls1 * attn(ln1(x)); x = x + ls2 * mlp(ln2(x))} with layer scale optional (DINOv2) and the MLP
 * either fc1 -> activation -> fc2 or SwiGLU (DINOv2 giant). Its weights are {@link Parameter}s registered under
 * their HF names in the owning model's {@link Params}; every op of the forward runs on DJL's autograd, so the same
 * code serves inference (no parameter requires a gradient, no graph is built) and training.
 *
 * <p>q, k and v stay separate parameters (HF names); the forward concatenates them into one [3C, C] weight, so
 * attention starts with a single matmul, then runs on libtorch's fused scaled-dot-product kernel ({@link Sdpa}), or
 * where that is unavailable as softmax(q kᵀ) v over query chunks with the scale head_dim^-0.5 folded into the query
 * rows of the weight.
 * In training mode with a drop-path rate &gt; 0 each residual branch is dropped per sample (stochastic depth,
 * kept branches scaled by 1 / (1 - rate)), as timm / DINOv2 do.
 */
public final class VitBlock {

    /** HF weight names of one block (the .weight / .bias suffixes are added here). */
    public record Names(String ln1, String q, String k, String v, String out, String ls1, String ln2, String fc1,
            String fc2, String ls2, String swigluIn, String swigluOut) {
    }

    /** Target size of one attention score buffer, in floats (1 Mi floats = 4 MiB). */
    private static final long SCORE_CHUNK_FLOATS = 1L << 20;

    private final int heads;
    private final float eps;
    private final Ops.Act act;
    private final boolean swiglu;
    private final Parameter ln1w;
    private final Parameter ln1b;
    private final Parameter qW;
    private final Parameter qB;
    private final Parameter kW;
    private final Parameter kB;
    private final Parameter vW;
    private final Parameter vB;
    private final Parameter outW;
    private final Parameter outB;
    private final Parameter ls1;
    private final Parameter ln2w;
    private final Parameter ln2b;
    private final Parameter fc1W;
    private final Parameter fc1B;
    private final Parameter fc2W;
    private final Parameter fc2B;
    private final Parameter ls2;
    private float dropPath;

    /** Loads the block's weights from {@code src} (name = {@code prefix + HF name}) and registers them (HF names). */
    public VitBlock(WeightSource src, String prefix, NDManager m, Params params, Names n, int heads, float eps,
            Ops.Act act, boolean swiglu) {
        this.heads = heads;
        this.eps = eps;
        this.act = act;
        this.swiglu = swiglu;
        Loader l = new Loader(src, prefix, m, params);
        ln1w = l.req(n.ln1() + ".weight");
        ln1b = l.req(n.ln1() + ".bias");
        qW = l.req(n.q() + ".weight");
        qB = l.opt(n.q() + ".bias");
        kW = l.req(n.k() + ".weight");
        kB = l.opt(n.k() + ".bias");
        vW = l.req(n.v() + ".weight");
        vB = l.opt(n.v() + ".bias");
        outW = l.req(n.out() + ".weight");
        outB = l.opt(n.out() + ".bias");
        ls1 = n.ls1() == null ? null : l.opt(n.ls1());
        ln2w = l.req(n.ln2() + ".weight");
        ln2b = l.req(n.ln2() + ".bias");
        String in = swiglu ? n.swigluIn() : n.fc1();
        String out = swiglu ? n.swigluOut() : n.fc2();
        fc1W = l.req(in + ".weight");
        fc1B = l.opt(in + ".bias");
        fc2W = l.req(out + ".weight");
        fc2B = l.opt(out + ".bias");
        ls2 = n.ls2() == null ? null : l.opt(n.ls2());
        long c = qW.shape()[0];
        if (c % heads != 0) {
            throw new IllegalArgumentException(n.q() + ": width " + c + " not divisible by " + heads + " heads");
        }
    }

    /** Loads named weights into a module's manager and registers them. */
    record Loader(WeightSource src, String prefix, NDManager m, Params params) {
        Parameter req(String name) {
            return params.add(name, src.load(m, prefix + name));
        }

        Parameter opt(String name) {
            return src.contains(prefix + name) ? req(name) : null;
        }
    }

    /** Stochastic-depth rate of this block's residual branches (used in training mode only). */
    public void setDropPath(float rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("drop-path rate must be in [0, 1), got " + rate);
        }
        this.dropPath = rate;
    }

    /** Stochastic depth over a stack, linearly from 0 (first block) to {@code maxRate} (last), as DINOv2 / timm. */
    static void setDropPath(java.util.List<VitBlock> blocks, float maxRate) {
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).setDropPath(blocks.size() == 1 ? maxRate : maxRate * i / (blocks.size() - 1));
        }
    }

    static NDArray v(Parameter p) {
        return p == null ? null : p.value();
    }

    /** Full block on x [B, N, C]; {@code mask} is an optional additive [N, N] attention mask. */
    public NDArray forward(NDArray x, NDArray mask, boolean training) {
        NDArray a = attention(Ops.layerNorm(x, ln1w.value(), ln1b.value(), eps), mask);
        if (ls1 != null) {
            a = a.mul(ls1.value());
        }
        return mlpResidual(x.add(drop(a, training)), training);
    }

    /**
     * The MaskCLIP dense path through this block: value projection and output projection without any attention
     * mixing, attention residual kept, then the MLP with its residual.
     */
    public NDArray forwardValueOnly(NDArray x, boolean training) {
        NDArray v = Ops.linear(Ops.layerNorm(x, ln1w.value(), ln1b.value(), eps), vW.value(), v(vB));
        v = Ops.linear(v, outW.value(), v(outB));
        if (ls1 != null) {
            v = v.mul(ls1.value());
        }
        return mlpResidual(x.add(drop(v, training)), training);
    }

    private NDArray drop(NDArray branch, boolean training) {
        if (!training || dropPath == 0f) {
            return branch;
        }
        long b = branch.getShape().get(0);
        NDArray keep = branch.getManager().randomUniform(0f, 1f, new Shape(b, 1, 1), DataType.FLOAT32)
                .gte(dropPath).toType(DataType.FLOAT32, false);
        keep = Ops.div(keep, 1f - dropPath);
        return branch.mul(keep);
    }

    private NDArray mlpResidual(NDArray h, boolean training) {
        NDArray f = mlp(Ops.layerNorm(h, ln2w.value(), ln2b.value(), eps));
        if (ls2 != null) {
            f = f.mul(ls2.value());
        }
        return h.add(drop(f, training));
    }

    private NDArray mlp(NDArray y) {
        NDArray h = Ops.linear(y, fc1W.value(), v(fc1B));
        if (swiglu) {
            long hidden = h.getShape().get(2) / 2;
            NDArray x1 = h.get(":, :, :" + hidden);
            NDArray x2 = h.get(":, :, " + hidden + ":");
            h = Ops.silu(x1).mul(x2);
        } else {
            h = act.apply(h);
        }
        return Ops.linear(h, fc2W.value(), v(fc2B));
    }

    private NDArray attention(NDArray y, NDArray mask) {
        Shape s = y.getShape();
        long b = s.get(0);
        long n = s.get(1);
        long c = s.get(2);
        long hd = c / heads;
        NDManager sm = y.getManager();
        boolean fused = Sdpa.available();
        // plain path: the attention scale is folded into the query rows of the fused weight (and bias), in autograd;
        // the fused kernel applies it itself
        float scale = (float) (1.0 / Math.sqrt((double) hd));
        // (ops whose first operand is a weight put their result in the weight's manager: moved to the activations')
        NDArray qw = fused ? qW.value() : Ops.on(sm, Ops.mul(qW.value(), scale));
        NDArray w = Ops.on(sm, NDArrays.concat(new NDList(qw, kW.value(), vW.value()), 0));
        NDArray qb = qB == null ? sm.zeros(new Shape(c)) : fused ? qB.value() : Ops.on(sm, Ops.mul(qB.value(), scale));
        NDArray bias = Ops.on(sm, NDArrays.concat(new NDList(qb,
                kB != null ? kB.value() : sm.zeros(new Shape(c)), vB != null ? vB.value() : sm.zeros(new Shape(c))), 0));
        NDArray qkv = Ops.linear(y, w, bias).reshape(b, n, 3, heads, hd).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        NDArray v = qkv.get(2);
        if (fused) {
            NDArray o = Sdpa.attention(q, qkv.get(1), v, mask).transpose(0, 2, 1, 3).reshape(b, n, c);
            return Ops.linear(o, outW.value(), v(outB));
        }
        NDArray kT = qkv.get(1).transpose(0, 1, 3, 2);
        // Query rows in chunks so each score buffer stays small (a few MB): big temporaries are fresh mmaps that
        // page-fault on every call, which costs more than the matmuls themselves at 1,370 tokens.
        long chunk = Math.max(32, Math.min(n, SCORE_CHUNK_FLOATS / Math.max(1, b * heads * n)));
        NDList parts = new NDList();
        for (long start = 0; start < n; start += chunk) {
            long end = Math.min(n, start + chunk);
            NDArray qc = chunk >= n ? q : q.get(":, :, " + start + ":" + end + ", :");
            NDArray sc = qc.matMul(kT);
            if (mask != null) {
                sc = sc.add(chunk >= n ? mask : mask.get(start + ":" + end + ", :"));
            }
            // softmax over keys: torch's fused kernel (one pass, vectorised) beats max/sub/exp/sum/div as NDArray ops
            parts.add(sc.softmax(3).matMul(v));
        }
        NDArray o = (parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2)).transpose(0, 2, 1, 3).reshape(b, n, c);
        return Ops.linear(o, outW.value(), v(outB));
    }
}
