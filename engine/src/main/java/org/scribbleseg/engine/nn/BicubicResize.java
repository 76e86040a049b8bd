package org.scribbleseg.engine.nn;

/**
 * PyTorch's {@code F.interpolate(mode='bicubic', align_corners=False, antialias=False)} on a small grid of vectors,
 * in float32 exactly as the CPU kernel computes it: source position {@code scale * (dst + 0.5) - 0.5} with
 * {@code scale = 1 / scale_factor} when a scale factor is given (DINOv2's official +0.1 rule) or
 * {@code in / out} when only a size is given (CLIP / HF), Keys cubic convolution with A = -0.75, four taps
 * at floor(src)-1 .. floor(src)+2 clamped to the border, separable over rows then columns.
 */
public final class BicubicResize {
    private static final float A = -0.75f;

    private BicubicResize() {
    }

    /**
     * Resizes {@code grid} ([inH * inW, c], position-major, row-major positions) to [outH * outW, c].
     *
     * @param scaleH source step per output row (1 / scale_factor, or inH / outH)
     * @param scaleW source step per output column
     */
    public static float[] resize(float[] grid, int c, int inH, int inW, int outH, int outW, float scaleH, float scaleW) {
        if (grid.length != inH * inW * c) {
            throw new IllegalArgumentException("grid has " + grid.length + " values, expected " + inH * inW * c);
        }
        float[] out = new float[outH * outW * c];
        int[] xi = new int[outW * 4];
        float[] xw = new float[outW * 4];
        for (int ox = 0; ox < outW; ox++) {
            taps(ox, scaleW, inW, xi, xw, ox * 4);
        }
        int[] yi = new int[4];
        float[] yw = new float[4];
        float[] rowVals = new float[4];
        for (int oy = 0; oy < outH; oy++) {
            taps(oy, scaleH, inH, yi, yw, 0);
            for (int ox = 0; ox < outW; ox++) {
                int o = (oy * outW + ox) * c;
                for (int ch = 0; ch < c; ch++) {
                    for (int r = 0; r < 4; r++) {
                        int rowBase = yi[r] * inW;
                        rowVals[r] = cubic(grid[(rowBase + xi[ox * 4]) * c + ch], grid[(rowBase + xi[ox * 4 + 1]) * c + ch],
                                grid[(rowBase + xi[ox * 4 + 2]) * c + ch], grid[(rowBase + xi[ox * 4 + 3]) * c + ch],
                                xw, ox * 4);
                    }
                    out[o + ch] = cubic(rowVals[0], rowVals[1], rowVals[2], rowVals[3], yw, 0);
                }
            }
        }
        return out;
    }

    /**
     * The resize along one axis as a matrix W [out, in] (row-major) such that resized = W · grid: row d holds the four
     * Keys-cubic weights of output d at taps floor(src)-1 .. floor(src)+2, clamped taps adding up on the border.
     * Weights are the same float32 values {@link #resize} uses.
     */
    public static float[] weightMatrix(int in, int out, float scale) {
        float[] w = new float[out * in];
        int[] idx = new int[4];
        float[] tw = new float[4];
        for (int d = 0; d < out; d++) {
            taps(d, scale, in, idx, tw, 0);
            for (int k = 0; k < 4; k++) {
                w[d * in + idx[k]] += tw[k];
            }
        }
        return w;
    }

    /** Scale for the official DINOv2 rule: scale_factor = (g + offset) / m, used as 1 / scale_factor. */
    public static float offsetScale(int g, int m, double offset) {
        double scaleFactor = (g + offset) / m;
        return (float) (1.0 / scaleFactor);
    }

    /** Scale for size mode: in / out in float32. */
    public static float sizeScale(int in, int out) {
        return (float) in / out;
    }

    private static float cubic(float x0, float x1, float x2, float x3, float[] w, int o) {
        return x0 * w[o] + x1 * w[o + 1] + x2 * w[o + 2] + x3 * w[o + 3];
    }

    private static void taps(int dst, float scale, int in, int[] idx, float[] w, int o) {
        float real = scale * (dst + 0.5f) - 0.5f;
        float fl = (float) Math.floor(real);
        int i0 = (int) fl;
        float t = real - fl;
        w[o] = conv2(t + 1.0f);
        w[o + 1] = conv1(t);
        w[o + 2] = conv1(1.0f - t);
        w[o + 3] = conv2(2.0f - t);
        for (int k = 0; k < 4; k++) {
            idx[o + k] = Math.max(0, Math.min(in - 1, i0 - 1 + k));
        }
    }

    private static float conv1(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static float conv2(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
