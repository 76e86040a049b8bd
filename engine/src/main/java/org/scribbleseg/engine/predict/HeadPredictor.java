package org.scribbleseg.engine.predict;

import java.util.Set;
import java.util.stream.IntStream;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.train.FastExp;
import org.scribbleseg.engine.train.LinearHead;

/**
 * Live-head inference (methods.md §A): logits on the feature grid → bilinear upsampling to the image
 * (align_corners = false, border clamped, exactly {@link FeatureMap#sample}'s alignment) → softmax → argmax.
 * Since the head is linear, these are the logits of the head applied to every pixel's interpolated feature.
 *
 * <p>Classes tagged absent on the image get probability 0: their logits are dropped before the softmax (the same
 * as zeroing and renormalising). If every class of the head is tagged absent the tags are ignored.
 *
 * <p>Speed: the upsampling is separable (per output row, one vertical blend of the K × gridWidth logits, then a
 * horizontal blend per pixel with precomputed column weights); the softmax needs only the top two logits and
 * Σ exp, evaluated with a polynomial exp accurate to ~1e-7 relative (confidence is stored as bytes). The argmax is
 * exact. Rows are processed in fixed bands, in parallel when enabled; the result does not depend on the thread
 * count.
 */
public final class HeadPredictor {

    private static final int BAND = 32;
    private final boolean parallel;

    public HeadPredictor() {
        this(true);
    }

    public HeadPredictor(boolean parallel) {
        this.parallel = parallel;
    }

    /** Predicts an image of size imageWidth × imageHeight; {@code absent} holds label values tagged absent. */
    public Prediction predict(LinearHead head, FeatureMap features, int imageWidth, int imageHeight,
            Set<Integer> absent) {
        float[] logits = head.gridLogits(features);
        return fromGridLogits(logits, head.classValues(), features.height(), features.width(), imageWidth,
                imageHeight, absent);
    }

    /** The upsample/softmax/argmax half, for any KHW grid of logits. */
    public Prediction fromGridLogits(float[] logits, int[] classValues, int gh, int gw, int imageWidth,
            int imageHeight, Set<Integer> absent) {
        int k = classValues.length;
        boolean[] allowed = new boolean[k];
        int nAllowed = 0;
        for (int j = 0; j < k; j++) {
            allowed[j] = absent == null || !absent.contains(classValues[j]);
            nAllowed += allowed[j] ? 1 : 0;
        }
        if (nAllowed == 0) {
            java.util.Arrays.fill(allowed, true);
        }
        int[] active = IntStream.range(0, k).filter(j -> allowed[j]).toArray();
        int ka = active.length;
        // column weights
        int[] cx0 = new int[imageWidth];
        int[] cx1 = new int[imageWidth];
        float[] cfx = new float[imageWidth];
        for (int x = 0; x < imageWidth; x++) {
            double g = Math.max(0, Math.min(gw - 1, (x + 0.5) * gw / imageWidth - 0.5));
            int i0 = (int) Math.floor(g);
            cx0[x] = i0 * ka;
            cx1[x] = Math.min(i0 + 1, gw - 1) * ka;
            cfx[x] = (float) (g - i0);
        }
        byte[] labels = new byte[imageWidth * imageHeight];
        byte[] conf = new byte[imageWidth * imageHeight];
        byte[] unc = new byte[imageWidth * imageHeight];
        byte[] values = new byte[ka];
        for (int a = 0; a < ka; a++) {
            values[a] = (byte) classValues[active[a]];
        }
        int bands = (imageHeight + BAND - 1) / BAND;
        double[] bandSums = new double[bands];
        int plane = gh * gw;
        IntStream range = IntStream.range(0, bands);
        (parallel ? range.parallel() : range).forEach(bi -> {
            float[] row = new float[gw * ka];
            float[] z = new float[ka];
            double usum = 0;
            int yEnd = Math.min(imageHeight, (bi + 1) * BAND);
            for (int y = bi * BAND; y < yEnd; y++) {
                double g = Math.max(0, Math.min(gh - 1, (y + 0.5) * gh / imageHeight - 0.5));
                int y0 = (int) Math.floor(g);
                int y1 = Math.min(y0 + 1, gh - 1);
                float fy = (float) (g - y0);
                float fy0 = 1 - fy;
                for (int a = 0; a < ka; a++) {
                    int base = active[a] * plane;
                    int r0 = base + y0 * gw;
                    int r1 = base + y1 * gw;
                    for (int x = 0; x < gw; x++) {
                        row[x * ka + a] = fy0 * logits[r0 + x] + fy * logits[r1 + x];
                    }
                }
                int o = y * imageWidth;
                for (int x = 0; x < imageWidth; x++) {
                    int i0 = cx0[x];
                    int i1 = cx1[x];
                    float fx = cfx[x];
                    float fx0 = 1 - fx;
                    float best = Float.NEGATIVE_INFINITY;
                    float second = Float.NEGATIVE_INFINITY;
                    int arg = 0;
                    for (int a = 0; a < ka; a++) {
                        float v = fx0 * row[i0 + a] + fx * row[i1 + a];
                        z[a] = v;
                        if (v > best) {
                            second = best;
                            best = v;
                            arg = a;
                        } else if (v > second) {
                            second = v;
                        }
                    }
                    float sum = 0;
                    for (int a = 0; a < ka; a++) {
                        float d = z[a] - best;
                        if (d > -30f) {
                            sum += FastExp.exp(d);
                        }
                    }
                    float p1 = 1f / sum;
                    float p2 = ka > 1 ? FastExp.exp(Math.max(-30f, second - best)) * p1 : 0f;
                    float u = 1f - (p1 - p2);
                    usum += u;
                    labels[o + x] = values[arg];
                    conf[o + x] = (byte) (int) (p1 * 255f + 0.5f);
                    unc[o + x] = (byte) (int) (u * 255f + 0.5f);
                }
            }
            bandSums[bi] = usum;
        });
        double total = 0;
        for (double s : bandSums) {
            total += s;
        }
        return new Prediction(new LabelMap(imageWidth, imageHeight, labels), conf, unc,
                (float) (total / ((double) imageWidth * imageHeight)));
    }
}
