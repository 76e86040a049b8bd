package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import org.scribbleseg.engine.nn.Ops;

/**
 * The three ZeroSeg losses (methods.md §E) on DJL autograd. |a − b| is the L1 distance averaged over the embedding
 * dimension (PyTorch's {@code l1_loss} with mean reduction on one pair). Inputs are used as given: the job
 * L2-normalises the student and teacher embeddings first ({@link #normalize}).
 */
public final class ZeroSegLosses {
    private ZeroSegLosses() {
    }

    /** Each vector along the last axis divided by its L2 norm (with a small floor so zero vectors stay finite). */
    public static NDArray normalize(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.div(x.square().sum(new int[] {last}, true).add(1e-12f).sqrt());
    }

    /**
     * Multi-scale feature distillation: the mean over the batch and over the n teacher views of |z − v_j|.
     *
     * @param z pooled global student embedding [B, D]
     * @param v teacher embeddings of every view [B, n, D]
     */
    public static NDArray distillation(NDArray z, NDArray v) {
        return z.expandDims(1).sub(v).abs().mean(new int[] {2}).mean();
    }

    /**
     * Segment matching: Σ_i min_j |g_i − v_j| over the segment tokens i and the local views j, averaged over the
     * batch.
     *
     * @param g segment tokens [B, S, D]
     * @param local teacher embeddings of the local views only (the 2×2 and 3×3 crops) [B, m, D]
     */
    public static NDArray segmentMatching(NDArray g, NDArray local) {
        NDArray d = g.expandDims(2).sub(local.expandDims(1)).abs().mean(new int[] {3}); // [B, S, m]
        return d.min(new int[] {2}).sum(new int[] {1}).mean();
    }

    /**
     * MAE reconstruction: mean squared error per patch, averaged over the masked patches only.
     *
     * @param pred predicted patches [B, N, P]
     * @param target the input's patches [B, N, P] ({@link ZeroSegModel#patchify})
     * @param masked [B, N], 1 where the patch was hidden from the encoder, else 0
     */
    public static NDArray reconstruction(NDArray pred, NDArray target, NDArray masked) {
        NDArray perPatch = pred.sub(target).square().mean(new int[] {2});
        return perPatch.mul(masked).sum().div(Ops.maximum(masked.sum(), 1f));
    }

    /** The pooled global embedding z: the mean of the segment tokens [B, S, D] → [B, D]. */
    public static NDArray pooled(NDArray segments) {
        return segments.mean(new int[] {1});
    }

}
