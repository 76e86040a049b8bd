package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * The few tensor operations the transformers need, on top of DJL. Results are attached to the manager of the first
 * (activation) argument, never to a weight's, so a forward pass inside a sub-manager leaks nothing into the model.
 * Axes are always positive (negative axes fail in some DJL PyTorch ops).
 */
public final class Ops {
    private Ops() {
    }

    /**
     * {@code r} moved to {@code scope} and returned: for results of ops whose first operand is a weight (DJL
     * attaches a result to its first operand's manager), so they do not pile up in the model's manager.
     */
    public static NDArray on(NDManager scope, NDArray r) {
        r.attach(scope);
        return r;
    }

    /**
     * A scalar operand for {@code like}'s ops: a 0-d tensor whose storage libtorch owns ({@code torch::full}).
     * DJL's Number overloads ({@code x.mul(2f)}) wrap the number in a tensor over a Java direct buffer
     * ({@code from_blob}) and close it as soon as the op returns; autograd keeps that tensor for the backward pass
     * (d(x*s)/dx = s), which then reads whatever the freed buffer holds: garbage gradients, now and then. A scalar
     * made here stays valid for as long as the graph refers to it. ArchitectureTest forbids the Number overloads.
     */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    private static NDArray withScalar(NDArray x, double s, java.util.function.BinaryOperator<NDArray> op) {
        try (NDArray c = scalar(x, s)) {
            return op.apply(x, c);
        }
    }

    /** {@code x * s}, safe inside autograd (see {@link #scalar}). */
    public static NDArray mul(NDArray x, double s) {
        return withScalar(x, s, NDArray::mul);
    }

    /** {@code x / s}, safe inside autograd (see {@link #scalar}). */
    public static NDArray div(NDArray x, double s) {
        return withScalar(x, s, NDArray::div);
    }

    /** {@code x ^ e}, safe inside autograd (see {@link #scalar}). */
    public static NDArray pow(NDArray x, double e) {
        return withScalar(x, e, NDArray::pow);
    }

    /** Elementwise {@code max(x, s)}, safe inside autograd (see {@link #scalar}). */
    public static NDArray maximum(NDArray x, double s) {
        return withScalar(x, s, NDArray::maximum);
    }

    /** Elementwise {@code min(x, s)}, safe inside autograd (see {@link #scalar}). */
    public static NDArray minimum(NDArray x, double s) {
        return withScalar(x, s, NDArray::minimum);
    }

    /** Activation functions used by the supported models. */
    public enum Act {
        /** exact erf GELU (PyTorch {@code nn.GELU()} default). */
        GELU,
        /** CLIP's x * sigmoid(1.702 x). */
        QUICK_GELU;

        NDArray apply(NDArray x) {
            return switch (this) {
                case GELU -> x.getNDArrayInternal().gelu();
                case QUICK_GELU -> x.mul(mul(x, 1.702).getNDArrayInternal().sigmoid());
            };
        }
    }

    /** LayerNorm over the last axis. */
    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        long c = x.getShape().get(x.getShape().dimension() - 1);
        return x.getNDArrayInternal().layerNorm(x, new Shape(c), weight, bias, eps).singletonOrThrow();
    }

    /** y = x W^T + b with a PyTorch-layout weight [out, in]; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /** Rows of {@code table} [V, C] at integer {@code ids} (any shape) -> ids.shape + [C]. */
    public static NDArray embedding(NDArray ids, NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** x * sigmoid(x). */
    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /** Each vector along the last axis divided by its L2 norm. */
    public static NDArray l2normalize(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.div(x.square().sum(new int[] {last}, true).sqrt());
    }

    /** The (rows, cols) patch grid of an input [B, C, H, W]; H and W must be multiples of {@code patch}. */
    public static int[] patchGrid(Shape s, int patch) {
        if (s.dimension() != 4 || s.get(2) % patch != 0 || s.get(3) % patch != 0 || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("input " + s + " must be [B, 3, H, W] with H, W multiples of " + patch);
        }
        return new int[] {(int) (s.get(2) / patch), (int) (s.get(3) / patch)};
    }

    /**
     * Patch embedding as a matmul over unfolded patches (exactly a Conv2d with kernel = stride = patch):
     * {@code x} [B, Cin, H, W] with H and W multiples of {@code patch}, weight [C, Cin, P, P] pre-reshaped to
     * [C, Cin*P*P]. Returns [B, (H/P)*(W/P), C], patches row-major.
     */
    public static NDArray patchEmbed(NDArray x, NDArray weight2d, NDArray bias, int patch) {
        Shape s = x.getShape();
        long b = s.get(0);
        long cin = s.get(1);
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        NDArray cols = x.reshape(b, cin, gh, patch, gw, patch).transpose(0, 2, 4, 1, 3, 5)
                .reshape(b, gh * gw, cin * patch * patch);
        return linear(cols, weight2d, bias);
    }
}
