package org.scribbleseg.engine.nn.optim;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** Gradient clipping, in place, as {@code torch.nn.utils.clip_grad_norm_} / {@code clip_grad_value_} do. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by {@code maxNorm / (total + 1e-6)} when that is below 1, where total is the L2 norm of
     * all gradients together (the norm of the per-tensor L2 norms). Returns the total norm before clipping.
     */
    public static double byGlobalNorm(Map<String, NDArray> grads, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        }
        double sq = 0;
        for (NDArray g : grads.values()) {
            try (NDArray n = g.norm()) {
                double v = n.getFloat();
                sq += v * v;
            }
        }
        double total = Math.sqrt(sq);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1.0) {
            for (NDArray g : grads.values()) {
                g.muli((float) coef);
            }
        }
        return total;
    }

    /** Clamps every gradient element into [-limit, limit] (both sides). */
    public static void byValue(Map<String, NDArray> grads, double limit) {
        if (!(limit > 0)) {
            throw new IllegalArgumentException("clip value must be > 0, got " + limit);
        }
        for (NDArray g : grads.values()) {
            try (NDArray c = g.clip(-limit, limit)) {
                g.set(new ai.djl.ndarray.index.NDIndex("..."), c);
            }
        }
    }
}
