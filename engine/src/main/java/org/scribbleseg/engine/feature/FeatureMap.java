package org.scribbleseg.engine.feature;

import java.util.Objects;

/**
 * A dense feature map over a whole image: {@code channels x height x width} floats, channel-major (CHW):
 * {@code data[c * height * width + y * width + x]}.
 *
 * <p>Grid cell (gx, gy) covers the image area of a {@code imageWidth / width} by {@code imageHeight / height} cell;
 * its centre sits at pixel coordinate {@code (gx + 0.5) * imageWidth / width - 0.5}. {@link #sample} interpolates
 * bilinearly with exactly that alignment (PyTorch's {@code align_corners=false}, border clamped).
 */
public record FeatureMap(int channels, int height, int width, float[] data) {
    public FeatureMap {
        Objects.requireNonNull(data, "data");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("feature map dims must be positive: " + channels + "x" + height + "x" + width);
        }
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("feature map has " + data.length + " floats, expected "
                    + ((long) channels * height * width));
        }
    }

    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /**
     * Bilinear sample of every channel at the centre of pixel (px, py) of an image of size imageWidth x imageHeight,
     * written into {@code out[offset .. offset + channels)}.
     */
    public void sample(double px, double py, int imageWidth, int imageHeight, float[] out, int offset) {
        double gx = (px + 0.5) * width / imageWidth - 0.5;
        double gy = (py + 0.5) * height / imageHeight - 0.5;
        gx = Math.max(0, Math.min(width - 1, gx));
        gy = Math.max(0, Math.min(height - 1, gy));
        int x0 = (int) Math.floor(gx);
        int y0 = (int) Math.floor(gy);
        int x1 = Math.min(x0 + 1, width - 1);
        int y1 = Math.min(y0 + 1, height - 1);
        float fx = (float) (gx - x0);
        float fy = (float) (gy - y0);
        float w00 = (1 - fx) * (1 - fy);
        float w01 = fx * (1 - fy);
        float w10 = (1 - fx) * fy;
        float w11 = fx * fy;
        int plane = height * width;
        int i00 = y0 * width + x0;
        int i01 = y0 * width + x1;
        int i10 = y1 * width + x0;
        int i11 = y1 * width + x1;
        for (int c = 0, base = 0; c < channels; c++, base += plane) {
            out[offset + c] = w00 * data[base + i00] + w01 * data[base + i01] + w10 * data[base + i10] + w11 * data[base + i11];
        }
    }
}
