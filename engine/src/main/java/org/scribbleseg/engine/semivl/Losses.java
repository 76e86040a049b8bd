package org.scribbleseg.engine.semivl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.scribbleseg.engine.nn.MaskedCrossEntropy;
import org.scribbleseg.engine.nn.Ops;

/**
 * SemiVL's loss terms (spec §5) on logits [B, K, H, W] in autograd, and the pseudo-label arithmetic around them.
 *
 * <ul>
 *   <li>{@link #supervised}: CE with ignore 255, mean over valid pixels (Lx);</li>
 *   <li>{@link #confidenceWeighted}: per-pixel CE against the weak view's argmax, summed over pixels with conf ≥
 *       0.95 that are not padding, divided by the number of all non-padded pixels (Ls1, Ls2, Lfp);</li>
 *   <li>{@link #maskClipMeanAll}: CE against the MaskCLIP label (255 ignored), summed, divided by B·H·W including
 *       ignored pixels (Lmc_*);</li>
 *   <li>{@link #total}: (Lx + ¼Ls1 + ¼Ls2 + ½Lfp)/2 + λ(¼Lmc_s1 + ¼Lmc_s2 + ½Lmc_fp), λ = {@link #lambda}.</li>
 * </ul>
 */
public final class Losses {
    public static final float CONF_THRESH = 0.95f;
    public static final float MASKCLIP_CONF_THRESH = 0.9f;
    public static final float MASKCLIP_TEMPERATURE = 100f;
    public static final double LAMBDA0 = 0.1;

    private Losses() {
    }

    /** Lx: CE, ignore 255, mean over valid pixels (0 when none). */
    public static NDArray supervised(NDArray logits, NDArray target) {
        return MaskedCrossEntropy.loss(logits, target, null, MaskedCrossEntropy.IGNORE, MaskedCrossEntropy.Reduction.MEAN);
    }

    /**
     * UniMatch's {@code confidence_weighted_loss} (pixelwise): Σ CE(pred, label)·[conf ≥ thresh]·[not padded] /
     * #not padded.
     *
     * @param label [B, H, W] class ids (any value where ignored)
     * @param conf [B, H, W] confidence of the label
     * @param padded [B, H, W] 1 where the pixel is padding (ignore_mask == 255), else 0
     */
    public static NDArray confidenceWeighted(NDArray logits, NDArray label, NDArray conf, NDArray padded, float thresh) {
        NDArray valid = padded.toType(DataType.FLOAT32, false).neg().add(1f);
        NDArray w = conf.gte(thresh).toType(DataType.FLOAT32, false).mul(valid);
        NDArray sum = MaskedCrossEntropy.loss(logits, label.toType(DataType.INT64, false), w, -1,
                MaskedCrossEntropy.Reduction.SUM);
        float n = valid.sum().getFloat();
        return n == 0 ? Ops.mul(sum, 0) : Ops.div(sum, n);
    }

    /** SemiVL's 'mean_all': Σ CE over non-ignored pixels / (B·H·W). */
    public static NDArray maskClipMeanAll(NDArray logits, NDArray mcLabel) {
        NDArray sum = MaskedCrossEntropy.loss(logits, mcLabel, null, MaskedCrossEntropy.IGNORE, MaskedCrossEntropy.Reduction.SUM);
        return Ops.div(sum, (float) mcLabel.size());
    }

    /** λₜ = 0.1·(1 − t/T) (linear from 0.1 to 0). */
    public static double lambda(long t, long total) {
        return LAMBDA0 * (1 - (double) t / Math.max(1, total));
    }

    /** The total loss of one iteration. */
    public static NDArray total(NDArray lx, NDArray ls1, NDArray ls2, NDArray lfp, NDArray lmc1, NDArray lmc2,
            NDArray lmcFp, double lambda) {
        NDArray sup = Ops.div(lx.add(Ops.mul(ls1, 0.25)).add(Ops.mul(ls2, 0.25)).add(Ops.mul(lfp, 0.5)), 2);
        NDArray mc = Ops.mul(Ops.mul(lmc1, 0.25).add(Ops.mul(lmc2, 0.25)).add(Ops.mul(lmcFp, 0.5)), (float) lambda);
        return sup.add(mc);
    }

    /** Pseudo-labels of detached logits [B, K, H, W]: argmax [B·H·W] and max softmax probability [B·H·W]. */
    public record Pseudo(int[] label, float[] conf) {
    }

    public static Pseudo pseudo(NDArray logits) {
        NDArray p = logits.stopGradient().softmax(1);
        int[] label = p.argMax(1).toType(DataType.INT32, false).toIntArray();
        float[] conf = p.max(new int[] {1}).toFloatArray();
        return new Pseudo(label, conf);
    }

    /**
     * UniMatch's mix of the weak view's targets for a CutMix'd strong view: inside the box the label, confidence,
     * padding and MaskCLIP label of the mixing source, elsewhere the image's own. All arrays are one image, H·W.
     */
    public record Targets(int[] label, float[] conf, int[] padded, int[] mcLabel) {
        public Targets mix(Targets other, byte[] box) {
            int n = box.length;
            int[] l = label.clone();
            float[] c = conf.clone();
            int[] p = padded.clone();
            int[] m = mcLabel.clone();
            for (int i = 0; i < n; i++) {
                if (box[i] == 1) {
                    l[i] = other.label[i];
                    c[i] = other.conf[i];
                    p[i] = other.padded[i];
                    m[i] = other.mcLabel[i];
                }
            }
            return new Targets(l, c, p, m);
        }
    }

    /** Stacks per-image targets into [B, H, W] arrays: label, conf, padded, mcLabel. */
    public static NDArray[] stack(NDManager m, Targets[] ts, int h, int w) {
        int b = ts.length;
        int n = h * w;
        int[] l = new int[b * n];
        float[] c = new float[b * n];
        int[] p = new int[b * n];
        int[] mc = new int[b * n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ts[i].label, 0, l, i * n, n);
            System.arraycopy(ts[i].conf, 0, c, i * n, n);
            System.arraycopy(ts[i].padded, 0, p, i * n, n);
            System.arraycopy(ts[i].mcLabel, 0, mc, i * n, n);
        }
        Shape s = new Shape(b, h, w);
        return new NDArray[] {m.create(l, s), m.create(c, s), m.create(p, s), m.create(mc, s)};
    }

    /**
     * MaskCLIP pseudo-labels of one image (spec §5 step 2): per-class max over its concepts of the cosine scores on
     * the patch grid, bilinear (align_corners=false) to the output size, softmax(100·), label = argmax, or 255 where
     * the max probability is below 0.9 or the pixel is padding.
     *
     * @param classScores [N][gh·gw] per-class max cosine on the grid
     * @param sample maps an output pixel (x, y) to grid coordinates; see {@link GridSampler}
     * @param padded 1 where the output pixel is padding (may be null)
     */
    public static int[] maskClipLabels(float[][] classScores, int gh, int gw, int outW, int outH, GridSampler sample, int[] padded) {
        int n = classScores.length;
        int[] out = new int[outW * outH];
        float[] s = new float[n];
        double[] g = new double[2];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int o = y * outW + x;
                if (padded != null && padded[o] != 0) {
                    out[o] = MaskedCrossEntropy.IGNORE;
                    continue;
                }
                sample.at(x, y, g);
                double gy = Math.max(0, g[1]);
                double gx = Math.max(0, g[0]);
                int y0 = Math.min((int) gy, gh - 1);
                int y1 = Math.min(y0 + 1, gh - 1);
                int x0 = Math.min((int) gx, gw - 1);
                int x1 = Math.min(x0 + 1, gw - 1);
                float fy = (float) (gy - y0);
                float fx = (float) (gx - x0);
                int best = 0;
                for (int c = 0; c < n; c++) {
                    float[] a = classScores[c];
                    float top = a[y0 * gw + x0] * (1 - fx) + a[y0 * gw + x1] * fx;
                    float bot = a[y1 * gw + x0] * (1 - fx) + a[y1 * gw + x1] * fx;
                    s[c] = top * (1 - fy) + bot * fy;
                    if (s[c] > s[best]) {
                        best = c;
                    }
                }
                double z = 0;
                for (int c = 0; c < n; c++) {
                    z += Math.exp(MASKCLIP_TEMPERATURE * (s[c] - s[best]));
                }
                out[o] = 1 / z >= MASKCLIP_CONF_THRESH ? best : MaskedCrossEntropy.IGNORE;
            }
        }
        return out;
    }

    /** Maps an output pixel to continuous grid coordinates (align_corners=false: (x + 0.5)·g/W − 0.5). */
    public interface GridSampler {
        void at(int x, int y, double[] gridXY);

        /** The grid covers an image of w × h pixels that is the output itself. */
        static GridSampler direct(int gw, int gh, int w, int h) {
            return (x, y, g) -> {
                g[0] = (x + 0.5) * gw / w - 0.5;
                g[1] = (y + 0.5) * gh / h - 0.5;
            };
        }
    }

    /** Per class, the max over its concepts of the cosine map: scores [M][P] → [N][P]. */
    public static float[][] conceptMax(float[][] conceptScores, int[] conceptClass, int classes) {
        int p = conceptScores.length == 0 ? 0 : conceptScores[0].length;
        float[][] out = new float[classes][p];
        for (float[] row : out) {
            java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY);
        }
        for (int m = 0; m < conceptScores.length; m++) {
            float[] src = conceptScores[m];
            float[] dst = out[conceptClass[m]];
            for (int i = 0; i < p; i++) {
                if (src[i] > dst[i]) {
                    dst[i] = src[i];
                }
            }
        }
        return out;
    }
}
