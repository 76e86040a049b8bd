package org.scribbleseg.engine.train;

import java.util.SplittableRandom;
import org.scribbleseg.engine.image.RgbImage;

/**
 * The denoising objective of DDeP (methods.md §D): an image scaled to x ∈ [−1, 1], Gaussian noise ε ~ N(0, I), the
 * noisy input x̃ = x + σ·ε (σ = 0.1 for DDeP, 0.8 for full DeP), and ε as the regression target.
 */
public final class Denoising {
    /** DDeP's noise level. */
    public static final double SIGMA = 0.1;

    private Denoising() {
    }

    /**
     * One noisy sample in CHW layout.
     *
     * @param clean x, 3 × H × W in [−1, 1]
     * @param noisy x̃ = x + σ ε
     * @param eps   ε, the target the decoder predicts
     */
    public record Sample(int width, int height, float[] clean, float[] noisy, float[] eps) {
    }

    /** x = rgb / 127.5 − 1, CHW. */
    public static float[] toSigned(RgbImage im) {
        int plane = im.width() * im.height();
        float[] x = new float[3 * plane];
        byte[] rgb = im.rgb();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                x[c * plane + i] = (rgb[3 * i + c] & 0xff) / 127.5f - 1f;
            }
        }
        return x;
    }

    /** The 8-bit image nearest to a CHW x in [−1, 1] (clamped): how a frozen backbone that reads bytes sees x̃. */
    public static RgbImage toImage(float[] x, int width, int height) {
        int plane = width * height;
        byte[] rgb = new byte[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                long v = Math.round((x[c * plane + i] + 1f) * 127.5f);
                rgb[3 * i + c] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** Draws ε from {@code rng} and returns (x, x + σ ε, ε). */
    public static Sample corrupt(RgbImage im, double sigma, SplittableRandom rng) {
        float[] x = toSigned(im);
        float[] eps = new float[x.length];
        float[] noisy = new float[x.length];
        for (int i = 0; i < x.length; i += 2) {
            // Box-Muller, two normals per draw
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            eps[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < x.length) {
                eps[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        for (int i = 0; i < x.length; i++) {
            noisy[i] = (float) (x[i] + sigma * eps[i]);
        }
        return new Sample(im.width(), im.height(), x, noisy, eps);
    }
}
