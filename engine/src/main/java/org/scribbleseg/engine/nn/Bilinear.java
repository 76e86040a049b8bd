package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Bilinear resizing of [B, C, H, W] tensors as two matmuls with interpolation matrices (PyTorch's
 * {@code F.interpolate(mode='bilinear')} semantics for both {@code align_corners} settings), so it runs inside
 * autograd and its backward is the transposed matmul. Results are attached to the input's manager.
 */
public final class Bilinear {
    private Bilinear() {
    }

    /**
     * The interpolation along one axis as a matrix [in, out] (row-major): column d holds the two weights of output
     * d. align_corners=true: src = d·(in−1)/(out−1); false: src = (d+0.5)·in/out − 0.5 clamped at 0 (PyTorch).
     */
    public static float[] matrixT(int in, int out, boolean alignCorners) {
        float[] m = new float[in * out];
        for (int d = 0; d < out; d++) {
            double src;
            if (alignCorners) {
                src = out > 1 ? d * (double) (in - 1) / (out - 1) : 0;
            } else {
                src = Math.max(0, (d + 0.5) * in / out - 0.5);
            }
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            float l = (float) (src - i0);
            m[i0 * out + d] += 1 - l;
            m[i1 * out + d] += l;
        }
        return m;
    }

    /** x [B, C, h, w] resized to [B, C, outH, outW]; returns x itself when the size already matches. */
    public static NDArray resize(NDArray x, int outH, int outW, boolean alignCorners) {
        Shape s = x.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        if (h == outH && w == outW) {
            return x;
        }
        var m = x.getManager();
        NDArray y = w == outW ? x : x.matMul(m.create(matrixT(w, outW, alignCorners), new Shape(w, outW)));
        if (h == outH) {
            return y;
        }
        NDArray t = y.transpose(0, 1, 3, 2).matMul(m.create(matrixT(h, outH, alignCorners), new Shape(h, outH)));
        return t.transpose(0, 1, 3, 2);
    }
}
