package org.scribbleseg.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * The pieces of the SimMIM objective (seed 002, methods.md §C) that do not depend on the encoder: random patch
 * masking, the per-patch pixel targets, the L1 loss on the masked patches only, the augmentation (random resized
 * crop with aspect change, flip, colour jitter, ImageNet normalisation) and the step learning-rate schedule
 * (×0.1 at 50 % and 85 % of training, the paper's epochs 50 and 85 of 100).
 *
 * <p>Patch order everywhere is row-major over the patch grid, and inside a patch the target is channel-major
 * (c, y, x): the same order as the patch embedding's unfold ({@code Ops.patchEmbed}), so the linear decoder's
 * output j of patch n is pixel j of patch n.
 */
public final class SimMim {
    /** ImageNet mean and std (RGB), the normalisation SimMIM and DINOv2 use. */
    public static final float[] MEAN = VitPreprocess.IMAGENET_MEAN;
    public static final float[] STD = VitPreprocess.IMAGENET_STD;

    private SimMim() {
    }

    /**
     * A random mask over a {@code gridH × gridW} patch grid with exactly round(ratio · N) patches masked (1) and
     * the rest visible (0), drawn from {@code rng}.
     */
    public static float[] randomMask(int gridH, int gridW, double ratio, SplittableRandom rng) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("mask ratio must be in (0, 1): " + ratio);
        }
        int n = gridH * gridW;
        int masked = (int) Math.round(ratio * n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float[] m = new float[n];
        for (int i = 0; i < masked; i++) {
            m[order[i]] = 1f;
        }
        return m;
    }

    /** [B, 3, H, W] → [B, N, 3·p·p]: the pixels of each patch (row-major patches, (c, y, x) inside). */
    public static NDArray patchify(NDArray images, int patch) {
        Shape s = images.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        if (s.get(2) % patch != 0 || s.get(3) % patch != 0) {
            throw new IllegalArgumentException("image " + s + " is not a multiple of the patch size " + patch);
        }
        return images.reshape(b, c, gh, patch, gw, patch).transpose(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c * patch * patch);
    }

    /**
     * SimMIM's loss: mean absolute error between predicted and true patch pixels over the <em>masked</em> patches
     * only (visible patches contribute nothing, not even to the denominator).
     *
     * @param pred   [B, N, D] decoder output per patch
     * @param target [B, N, D] the patches' pixels (normalised like the input)
     * @param mask   [B, N], 1 = masked
     */
    public static NDArray maskedL1(NDArray pred, NDArray target, NDArray mask) {
        long d = pred.getShape().get(2);
        NDArray m = mask.toType(DataType.FLOAT32, false);
        NDArray perPatch = pred.sub(target).abs().sum(new int[] {2});
        float count = m.sum().getFloat();
        if (count == 0) {
            throw new IllegalArgumentException("no masked patch");
        }
        return Ops.div(perPatch.mul(m).sum(), count * d);
    }

    /** The learning-rate factor at {@code step} of {@code total}: 1, then 0.1 from 50 %, 0.01 from 85 %. */
    public static double stepFactor(long step, long total) {
        double f = total <= 0 ? 0 : (double) step / total;
        return f < 0.5 ? 1.0 : f < 0.85 ? 0.1 : 0.01;
    }

    /**
     * One augmented view as normalised CHW floats of {@code size × size}: a random crop of 20–100 % of the area
     * with aspect ratio 3/4–4/3 (log-uniform), resized bilinearly, flipped with probability 1/2, brightness /
     * contrast / saturation jitter of ±0.4, then ImageNet normalisation.
     */
    public static float[] augment(RgbImage im, int size, SplittableRandom rng) {
        int w = im.width();
        int h = im.height();
        double area = (double) w * h;
        int cw = w;
        int ch = h;
        int x0 = 0;
        int y0 = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            double a = area * (0.2 + 0.8 * rng.nextDouble());
            double logR = Math.log(3.0 / 4) + rng.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
            double r = Math.exp(logR);
            int tw = (int) Math.round(Math.sqrt(a * r));
            int th = (int) Math.round(Math.sqrt(a / r));
            if (tw >= 1 && th >= 1 && tw <= w && th <= h) {
                cw = tw;
                ch = th;
                x0 = rng.nextInt(w - cw + 1);
                y0 = rng.nextInt(h - ch + 1);
                break;
            }
        }
        boolean flip = rng.nextBoolean();
        float bright = (float) (1 + 0.8 * (rng.nextDouble() - 0.5));
        float contrast = (float) (1 + 0.8 * (rng.nextDouble() - 0.5));
        float sat = (float) (1 + 0.8 * (rng.nextDouble() - 0.5));
        int plane = size * size;
        float[] rgb = new float[3 * plane];
        double meanGrey = 0;
        byte[] src = im.rgb();
        for (int y = 0; y < size; y++) {
            double sy = Math.max(0, Math.min(ch - 1, (y + 0.5) * ch / size - 0.5)) + y0;
            int yA = (int) Math.floor(sy);
            int yB = Math.min(yA + 1, y0 + ch - 1);
            float fy = (float) (sy - yA);
            for (int x = 0; x < size; x++) {
                int xo = flip ? size - 1 - x : x;
                double sx = Math.max(0, Math.min(cw - 1, (xo + 0.5) * cw / size - 0.5)) + x0;
                int xA = (int) Math.floor(sx);
                int xB = Math.min(xA + 1, x0 + cw - 1);
                float fx = (float) (sx - xA);
                float grey = 0;
                for (int c = 0; c < 3; c++) {
                    float v00 = src[(yA * w + xA) * 3 + c] & 0xff;
                    float v01 = src[(yA * w + xB) * 3 + c] & 0xff;
                    float v10 = src[(yB * w + xA) * 3 + c] & 0xff;
                    float v11 = src[(yB * w + xB) * 3 + c] & 0xff;
                    float v = ((1 - fx) * ((1 - fy) * v00 + fy * v10) + fx * ((1 - fy) * v01 + fy * v11)) / 255f * bright;
                    rgb[c * plane + y * size + x] = v;
                    grey += (c == 0 ? 0.299f : c == 1 ? 0.587f : 0.114f) * v;
                }
                meanGrey += grey;
            }
        }
        meanGrey /= plane;
        for (int i = 0; i < plane; i++) {
            float g = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
            for (int c = 0; c < 3; c++) {
                float v = rgb[c * plane + i];
                v = g + sat * (v - g); // saturation
                v = (float) (meanGrey + contrast * (v - meanGrey)); // contrast
                v = Math.max(0f, Math.min(1f, v));
                rgb[c * plane + i] = (v - MEAN[c]) / STD[c];
            }
        }
        return rgb;
    }
}
