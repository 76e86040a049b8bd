package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One pre-LN transformer block, as DINOv2 and CLIP use it:
 * {@code x = x + ls1 * attn(ln1(x)); x = x + ls2 * mlp(ln2(x))} with layer scale optional (DINOv2) and the MLP
 * either fc1 -> activation -> fc2 or SwiGLU (DINOv2 giant). q, k and v are concatenated into one [3C, C] weight at
 * load so attention starts with a single matmul.
 */
public final class VitBlock {

    /** HF weight names of one block. */
    public record Names(String ln1, String q, String k, String v, String out, String ls1, String ln2, String fc1,
            String fc2, String ls2, String swigluIn, String swigluOut) {
    }

    /** Target size of one attention score buffer, in floats (1 Mi floats = 4 MiB). */
    private static final long SCORE_CHUNK_FLOATS = 1L << 20;

    private final int heads;
    private final float eps;
    private final Ops.Act act;
    private final NDArray ln1w;
    private final NDArray ln1b;
    private final NDArray qkvW;
    private final NDArray qkvB;
    private final NDArray vW;
    private final NDArray vB;
    private final NDArray outW;
    private final NDArray outB;
    private final NDArray ls1;
    private final NDArray ln2w;
    private final NDArray ln2b;
    private final NDArray fc1W;
    private final NDArray fc1B;
    private final NDArray fc2W;
    private final NDArray fc2B;
    private final NDArray ls2;
    private final boolean swiglu;

    public VitBlock(WeightSource src, NDManager m, Names n, int heads, float eps, Ops.Act act, boolean swiglu) {
        this.heads = heads;
        this.eps = eps;
        this.act = act;
        this.swiglu = swiglu;
        ln1w = src.load(m, n.ln1() + ".weight");
        ln1b = src.load(m, n.ln1() + ".bias");
        vW = src.load(m, n.v() + ".weight");
        vB = optional(src, m, n.v() + ".bias");
        try (NDManager tmp = m.newSubManager()) {
            long c = vW.getShape().get(0);
            // the attention scale head_dim^-0.5 is folded into the query projection once, here
            float scale = (float) (1.0 / Math.sqrt((double) c / heads));
            NDArray qW = src.load(tmp, n.q() + ".weight").mul(scale);
            NDArray kW = src.load(tmp, n.k() + ".weight");
            qkvW = concat0(m, qW, kW, vW);
            NDArray qB = optional(src, tmp, n.q() + ".bias");
            qB = qB == null ? null : qB.mul(scale);
            NDArray kB = optional(src, tmp, n.k() + ".bias");
            qkvB = concat0(m, qB != null ? qB : tmp.zeros(new Shape(c)), kB != null ? kB : tmp.zeros(new Shape(c)),
                    vB != null ? vB : tmp.zeros(new Shape(c)));
        }
        outW = src.load(m, n.out() + ".weight");
        outB = optional(src, m, n.out() + ".bias");
        ls1 = n.ls1() == null ? null : optional(src, m, n.ls1());
        ln2w = src.load(m, n.ln2() + ".weight");
        ln2b = src.load(m, n.ln2() + ".bias");
        String in = swiglu ? n.swigluIn() : n.fc1();
        String out = swiglu ? n.swigluOut() : n.fc2();
        fc1W = src.load(m, in + ".weight");
        fc1B = optional(src, m, in + ".bias");
        fc2W = src.load(m, out + ".weight");
        fc2B = optional(src, m, out + ".bias");
        ls2 = n.ls2() == null ? null : optional(src, m, n.ls2());
    }

    /** Concatenation along axis 0, owned by {@code owner}. */
    private static NDArray concat0(NDManager owner, NDArray... parts) {
        NDArray r = NDArrays.concat(new NDList(parts), 0);
        r.attach(owner);
        return r;
    }

    private static NDArray optional(WeightSource src, NDManager m, String name) {
        return src.contains(name) ? src.load(m, name) : null;
    }

    /** Full block on x [B, N, C]; {@code mask} is an optional additive [N, N] attention mask. */
    public NDArray forward(NDArray x, NDArray mask) {
        NDArray a = attention(Ops.layerNorm(x, ln1w, ln1b, eps), mask);
        if (ls1 != null) {
            a = a.mul(ls1);
        }
        return mlpResidual(x.add(a));
    }

    /**
     * The MaskCLIP dense path through this block: value projection and output projection without any attention
     * mixing, attention residual kept, then the MLP with its residual.
     */
    public NDArray forwardValueOnly(NDArray x) {
        NDArray v = Ops.linear(Ops.layerNorm(x, ln1w, ln1b, eps), vW, vB);
        v = Ops.linear(v, outW, outB);
        if (ls1 != null) {
            v = v.mul(ls1);
        }
        return mlpResidual(x.add(v));
    }

    private NDArray mlpResidual(NDArray h) {
        NDArray f = mlp(Ops.layerNorm(h, ln2w, ln2b, eps));
        if (ls2 != null) {
            f = f.mul(ls2);
        }
        return h.add(f);
    }

    private NDArray mlp(NDArray y) {
        NDArray h = Ops.linear(y, fc1W, fc1B);
        if (swiglu) {
            long hidden = h.getShape().get(2) / 2;
            NDArray x1 = h.get(":, :, :" + hidden);
            NDArray x2 = h.get(":, :, " + hidden + ":");
            h = Ops.silu(x1).mul(x2);
        } else {
            h = act.apply(h);
        }
        return Ops.linear(h, fc2W, fc2B);
    }

    private NDArray attention(NDArray y, NDArray mask) {
        Shape s = y.getShape();
        long b = s.get(0);
        long n = s.get(1);
        long c = s.get(2);
        long hd = c / heads;
        NDArray qkv = Ops.linear(y, qkvW, qkvB).reshape(b, n, 3, heads, hd).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0); // already scaled by head_dim^-0.5 (folded into the weights)
        NDArray kT = qkv.get(1).transpose(0, 1, 3, 2);
        NDArray v = qkv.get(2);
        // Query rows in chunks so each score buffer stays small (a few MB): big temporaries are fresh mmaps that
        // page-fault on every call, which costs more than the matmuls themselves at 1,370 tokens.
        long chunk = Math.max(32, Math.min(n, SCORE_CHUNK_FLOATS / Math.max(1, b * heads * n)));
        NDList parts = new NDList();
        for (long start = 0; start < n; start += chunk) {
            long end = Math.min(n, start + chunk);
            NDArray qc = chunk >= n ? q : q.get(":, :, " + start + ":" + end + ", :");
            NDArray sc = qc.matMul(kT);
            if (mask != null) {
                sc.addi(chunk >= n ? mask : mask.get(start + ":" + end + ", :"));
            }
            // softmax over keys: torch's fused kernel (one pass, vectorised) beats max/sub/exp/sum/div as NDArray ops
            parts.add(sc.softmax(3).matMul(v));
        }
        NDArray o = (parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2)).transpose(0, 2, 1, 3).reshape(b, n, c);
        return Ops.linear(o, outW, outB);
    }
}
