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
 * exact. Without the maps, most pixels are a table lookup (see {@link #fastLabels}). Rows are processed in fixed
 * bands, in parallel when enabled; the result does not depend on the thread count.
 */
public final class HeadPredictor {

    private static final int BAND = 32;

    /**
     * Bilinear source positions along one axis (align_corners = false, border clamped): output i blends grid cells
     * i0[i] and i1[i] with weight f[i] on i1.
     */
    private record Axis(int[] i0, int[] i1, float[] f) {
        static Axis of(int out, int grid) {
            int[] a = new int[out];
            int[] b = new int[out];
            float[] f = new float[out];
            for (int i = 0; i < out; i++) {
                double g = Math.max(0, Math.min(grid - 1, (i + 0.5) * grid / out - 0.5));
                a[i] = (int) Math.floor(g);
                b[i] = Math.min(a[i] + 1, grid - 1);
                f[i] = (float) (g - a[i]);
            }
            return new Axis(a, b, f);
        }
    }
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
        return predict(head, features, imageWidth, imageHeight, absent, true, NO_CHECK);
    }

    private static final Runnable NO_CHECK = () -> { };

    /**
     * Either path; {@code checkpoint} runs before each band of rows and may throw to abandon the prediction (a
     * newer stroke made it stale).
     */
    public Prediction predict(LinearHead head, FeatureMap features, int imageWidth, int imageHeight,
            Set<Integer> absent, boolean maps, Runnable checkpoint) {
        float[] logits = head.gridLogits(features, checkpoint);
        return fromGridLogits(logits, head.classValues(), features.height(), features.width(), imageWidth,
                imageHeight, absent, maps, checkpoint);
    }

    /**
     * The fast path of the interactive loop: the exact argmax label map only. {@link Prediction#confidence()} and
     * {@link Prediction#uncertainty()} are null and {@link Prediction#meanUncertainty()} is the mean over the
     * feature-grid cells of even row and column (not pixels); call {@link #predict} when the confidence overlay is
     * shown.
     */
    public Prediction predictLabels(LinearHead head, FeatureMap features, int imageWidth, int imageHeight,
            Set<Integer> absent) {
        return predict(head, features, imageWidth, imageHeight, absent, false, NO_CHECK);
    }

    /** The upsample/softmax/argmax half, for any KHW grid of logits; {@code maps}: also per-pixel confidence. */
    public Prediction fromGridLogits(float[] logits, int[] classValues, int gh, int gw, int imageWidth,
            int imageHeight, Set<Integer> absent, boolean maps) {
        return fromGridLogits(logits, classValues, gh, gw, imageWidth, imageHeight, absent, maps, NO_CHECK);
    }

    private Prediction fromGridLogits(float[] logits, int[] classValues, int gh, int gw, int imageWidth,
            int imageHeight, Set<Integer> absent, boolean maps, Runnable checkpoint) {
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
        Axis cols = Axis.of(imageWidth, gw);
        Axis rows = Axis.of(imageHeight, gh);
        byte[] values = new byte[ka];
        for (int a = 0; a < ka; a++) {
            values[a] = (byte) classValues[active[a]];
        }
        if (!maps) {
            return fastLabels(logits, active, values, gh, gw, imageWidth, imageHeight, cols, rows, checkpoint);
        }
        byte[] labels = new byte[imageWidth * imageHeight];
        byte[] conf = new byte[imageWidth * imageHeight];
        byte[] unc = new byte[imageWidth * imageHeight];
        int bands = (imageHeight + BAND - 1) / BAND;
        double[] bandSums = new double[bands];
        int plane = gh * gw;
        IntStream range = IntStream.range(0, bands);
        (parallel ? range.parallel() : range).forEach(bi -> {
            float[] row = new float[gw * ka];
            float[] z = new float[ka];
            double usum = 0;
            checkpoint.run();
            int yEnd = Math.min(imageHeight, (bi + 1) * BAND);
            for (int y = bi * BAND; y < yEnd; y++) {
                int y0 = rows.i0[y];
                int y1 = rows.i1[y];
                float fy = rows.f[y];
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
                    int i0 = cols.i0[x] * ka;
                    int i1 = cols.i1[x] * ka;
                    float fx = cols.f[x];
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
                    labels[o + x] = values[arg];
                    float sum = 1f; // the winner's own term
                    for (int a = 0; a < ka; a++) {
                        float d = z[a] - best;
                        if (d > -17f && a != arg) { // e^-17 < 1e-7: below a confidence byte's resolution
                            sum += FastExp.exp(d);
                        }
                    }
                    float p1 = 1f / sum;
                    float p2 = second - best > -17f ? FastExp.exp(second - best) * p1 : 0f;
                    float u = 1f - (p1 - p2);
                    usum += u;
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
        float meanU = (float) (total / ((double) imageWidth * imageHeight));
        return new Prediction(new LabelMap(imageWidth, imageHeight, labels), conf, unc, meanU);
    }

    /**
     * The argmax label map alone. A pixel's logits are a bilinear blend (non-negative weights) of the logits at the
     * four grid cells around it, so when those four cells share their argmax (first maximum), so does the pixel:
     * most pixels are one table lookup, and only pixels in a quad whose corners disagree are blended, with the same
     * float operations in the same order as {@link #predict} (so the labels are the same). The mean uncertainty is
     * taken over the grid cells of even row and column, with the same fast exponential.
     */
    private Prediction fastLabels(float[] logits, int[] active, byte[] values, int gh, int gw, int imageWidth,
            int imageHeight, Axis cols, Axis rows, Runnable checkpoint) {
        int ka = active.length;
        int plane = gh * gw;
        byte[] arg = new byte[plane];
        int cellBands = (plane + 4095) / 4096;
        double[] uSums = new double[cellBands];
        long[] uCounts = new long[cellBands];
        IntStream cells = IntStream.range(0, cellBands);
        (parallel ? cells.parallel() : cells).forEach(bi -> {
            double usum = 0;
            long ucount = 0;
            for (int p = bi * 4096, end = Math.min(plane, p + 4096); p < end; p++) {
                float best = Float.NEGATIVE_INFINITY;
                float second = Float.NEGATIVE_INFINITY;
                int a0 = 0;
                for (int a = 0; a < ka; a++) {
                    float v = logits[active[a] * plane + p];
                    if (v > best) {
                        second = best;
                        best = v;
                        a0 = a;
                    } else if (v > second) {
                        second = v;
                    }
                }
                arg[p] = (byte) a0;
                // the mean uncertainty from the cells of even row and column (a quarter of them; the exponentials
                // are most of this loop's cost)
                if (ka > 1 && ((p / gw) & 1) == 0 && ((p % gw) & 1) == 0) {
                    ucount++;
                    float sum = 0;
                    for (int a = 0; a < ka; a++) {
                        sum += FastExp.exp(logits[active[a] * plane + p] - best);
                    }
                    float p1 = 1f / sum;
                    usum += 1f - (p1 - FastExp.exp(second - best) * p1);
                }
            }
            uSums[bi] = usum;
            uCounts[bi] = ucount;
        });
        double uTotal = 0;
        long uCount = 0;
        for (int bi = 0; bi < cellBands; bi++) {
            uTotal += uSums[bi];
            uCount += uCounts[bi];
        }
        byte[] labels = new byte[imageWidth * imageHeight];
        // pixels x in [xFrom[gx], xFrom[gx + 1]) blend grid columns gx and gx + 1 (cols.i0 is non-decreasing)
        int[] xFrom = new int[gw + 1];
        java.util.Arrays.fill(xFrom, imageWidth);
        for (int x = imageWidth - 1; x >= 0; x--) {
            xFrom[cols.i0[x]] = x;
        }
        for (int gx = gw - 1; gx >= 0; gx--) {
            xFrom[gx] = Math.min(xFrom[gx], xFrom[gx + 1]);
        }
        int bands = (imageHeight + BAND - 1) / BAND;
        IntStream range = IntStream.range(0, bands);
        (parallel ? range.parallel() : range).forEach(bi -> {
            // quad[gx] = the shared argmax of the grid quad (y0, y1) × (gx, gx + 1), or -1 where the corners differ
            int[] quad = new int[gw];
            float[] v0 = new float[ka];
            float[] v1 = new float[ka];
            int quadY0 = -1;
            int quadY1 = -1;
            checkpoint.run();
            int yEnd = Math.min(imageHeight, (bi + 1) * BAND);
            for (int y = bi * BAND; y < yEnd; y++) {
                int y0 = rows.i0[y];
                int y1 = rows.i1[y];
                float fy = rows.f[y];
                int r0 = y0 * gw;
                int r1 = y1 * gw;
                if (y0 != quadY0 || y1 != quadY1) {
                    for (int gx = 0; gx < gw; gx++) {
                        int gxr = Math.min(gx + 1, gw - 1);
                        int a = arg[r0 + gx];
                        quad[gx] = a == arg[r0 + gxr] && a == arg[r1 + gx] && a == arg[r1 + gxr] ? a : -1;
                    }
                    quadY0 = y0;
                    quadY1 = y1;
                }
                int o = y * imageWidth;
                boolean sameQuads = y > bi * BAND && rows.i0[y - 1] == y0 && rows.i1[y - 1] == y1;
                if (sameQuads) {
                    // the row above lies in the same grid quads: its lookups hold here too, only the blended
                    // pixels (corners disagree; they depend on fy) are recomputed
                    System.arraycopy(labels, o - imageWidth, labels, o, imageWidth);
                    for (int gx = 0; gx < gw; gx++) {
                        if (quad[gx] < 0) {
                            blend(logits, active, values, plane, r0, r1, fy, cols, gx, xFrom[gx], xFrom[gx + 1], labels, o, v0, v1);
                        }
                    }
                    continue;
                }
                for (int gx = 0; gx < gw; gx++) {
                    int q = quad[gx];
                    if (q >= 0) {
                        java.util.Arrays.fill(labels, o + xFrom[gx], o + xFrom[gx + 1], values[q]);
                    } else {
                        blend(logits, active, values, plane, r0, r1, fy, cols, gx, xFrom[gx], xFrom[gx + 1], labels, o, v0, v1);
                    }
                }
            }
        });
        return new Prediction(new LabelMap(imageWidth, imageHeight, labels), null, null,
                uCount == 0 ? 0f : (float) (uTotal / uCount));
    }

    /**
     * The argmax of pixels x in [xFrom, xTo) of a row between grid rows r0, r1 (offsets) with weight fy, all of them
     * between grid columns gx and the one after it: the exact blend. The vertical blends of the two columns are the
     * same for every pixel of the span, so they are taken once (v0, v1: scratch of one value per active class), with
     * the float operations {@link #predict} does per pixel, in the same order.
     */
    private static void blend(float[] logits, int[] active, byte[] values, int plane, int r0, int r1, float fy, Axis cols,
            int gx, int xFrom, int xTo, byte[] labels, int o, float[] v0, float[] v1) {
        if (xFrom >= xTo) {
            return;
        }
        int c0 = gx;
        int c1 = cols.i1[xFrom];
        float fy0 = 1 - fy;
        int ka = active.length;
        for (int a = 0; a < ka; a++) {
            int base = active[a] * plane;
            v0[a] = fy0 * logits[base + r0 + c0] + fy * logits[base + r1 + c0];
            v1[a] = fy0 * logits[base + r0 + c1] + fy * logits[base + r1 + c1];
        }
        for (int x = xFrom; x < xTo; x++) {
            float fx = cols.f[x];
            float fx0 = 1 - fx;
            float best = Float.NEGATIVE_INFINITY;
            int arg = 0;
            for (int a = 0; a < ka; a++) {
                float v = fx0 * v0[a] + fx * v1[a];
                if (v > best) {
                    best = v;
                    arg = a;
                }
            }
            labels[o + x] = values[arg];
        }
    }
}
