package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Softmax cross-entropy for segmentation with an ignore index and optional per-pixel weights, in autograd (DJL's
 * {@code SoftmaxCrossEntropyLoss} has no ignore index): per pixel {@code l = -w * log softmax(logits)[target]}, 0 for
 * pixels whose target is the ignore index (255 by default, VOC's "void").
 *
 * <p>Reductions: {@link Reduction#MEAN} divides the sum by the number of non-ignored pixels (PyTorch's
 * {@code F.cross_entropy(..., ignore_index=255)} when no weights are given), {@link Reduction#WEIGHTED_MEAN} by the
 * sum of the weights of the non-ignored pixels, {@link Reduction#SUM} not at all. With no valid pixel the loss is 0
 * (PyTorch gives NaN for MEAN), so a batch without labels contributes no gradient instead of poisoning the step.
 */
public final class MaskedCrossEntropy {
    public static final int IGNORE = 255;

    /** How the per-pixel losses are combined. */
    public enum Reduction { MEAN, WEIGHTED_MEAN, SUM }

    private MaskedCrossEntropy() {
    }

    /**
     * @param logits [B, K, H, W] (or [N, K]) class scores
     * @param target [B, H, W] (or [N]) integer class ids in [0, K) or {@code ignoreIndex}
     * @param weight optional [B, H, W] (or [N]) per-pixel weights, same shape as target; null = 1
     * @return a scalar
     */
    public static NDArray loss(NDArray logits, NDArray target, NDArray weight, int ignoreIndex, Reduction reduction) {
        Shape ls = logits.getShape();
        Shape ts = target.getShape();
        if (ls.dimension() < 2 || ts.dimension() != ls.dimension() - 1 || ts.get(0) != ls.get(0)
                || !ts.slice(1).equals(ls.slice(2))) {
            throw new IllegalArgumentException("logits " + ls + " and target " + ts + " do not match ([B, K, ...] vs [B, ...])");
        }
        if (weight != null && !weight.getShape().equals(ts)) {
            throw new IllegalArgumentException("weight " + weight.getShape() + " must have the target's shape " + ts);
        }
        long k = ls.get(1);
        NDArray t = target.toType(DataType.INT64, false);
        NDArray valid = t.neq(ignoreIndex);
        NDArray safe = t.mul(valid.toType(DataType.INT64, false)); // ignored -> class 0, masked out below
        long max = safe.max().getLong();
        long min = safe.min().getLong();
        if (min < 0 || max >= k) {
            throw new IllegalArgumentException("target holds class " + (min < 0 ? min : max) + ", outside [0, " + k
                    + ") and not the ignore index " + ignoreIndex);
        }
        NDArray logp = logits.logSoftmax(1);
        NDArray picked = logp.gather(safe.expandDims(1), 1).squeeze(1);
        NDArray w = valid.toType(DataType.FLOAT32, false);
        if (weight != null) {
            w = w.mul(weight.toType(DataType.FLOAT32, false));
        }
        NDArray total = picked.mul(w).sum().neg();
        double denom = switch (reduction) {
            case SUM -> 1.0;
            case MEAN -> valid.toType(DataType.FLOAT32, false).sum().getFloat();
            case WEIGHTED_MEAN -> w.sum().getFloat();
        };
        return denom == 0 ? Ops.mul(total, 0) : Ops.div(total, (float) denom);
    }

    /** {@link #loss} with ignore index 255 and {@link Reduction#MEAN}. */
    public static NDArray loss(NDArray logits, NDArray target, NDArray weight) {
        return loss(logits, target, weight, IGNORE, Reduction.MEAN);
    }
}
