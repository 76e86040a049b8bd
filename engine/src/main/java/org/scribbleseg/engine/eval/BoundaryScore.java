package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.image.LabelMap;

/**
 * Boundary F-measure of a predicted label map against the truth (the DAVIS / BSDS convention): per class, the
 * boundary pixels of the class's region in each map are matched within a tolerance, precision = share of predicted
 * boundary pixels within the tolerance of a true boundary pixel of the same class, recall = share of true boundary
 * pixels within the tolerance of a predicted one, F = 2PR / (P + R). Counts are pooled over the classes of the
 * image (so long boundaries weigh more than short ones).
 *
 * <p>A boundary pixel of a class is a pixel of its region with a 4-neighbour outside it. {@link LabelMap#VOID} in
 * the truth is ignored: a void pixel is never a boundary pixel and a region's edge against void is not a boundary
 * (the truth does not say where it is). The image border is not a boundary. The tolerance is a Euclidean distance in
 * pixels; {@link #defaultTolerance} is 0.75 % of the image diagonal rounded up (BSDS's 0.0075, rounded up as DAVIS
 * does), e.g. 5 px at 480×360. With no boundary on either side F is 1; with boundaries on one side only, 0.
 */
public final class BoundaryScore {
    /** Tolerance as a share of the image diagonal (BSDS). */
    public static final double TOLERANCE_OF_DIAGONAL = 0.0075;

    /** Precision, recall and F, and the pooled boundary pixel counts they come from. */
    public record Score(double precision, double recall, double f, long predictedBoundary, long trueBoundary) {
    }

    private BoundaryScore() {
    }

    /** 0.75 % of the diagonal of a {@code width}×{@code height} image, rounded up to whole pixels (at least 1). */
    public static int defaultTolerance(int width, int height) {
        return Math.max(1, (int) Math.ceil(TOLERANCE_OF_DIAGONAL * Math.hypot(width, height)));
    }

    /** {@link #of(LabelMap, LabelMap, double)} at {@link #defaultTolerance}. */
    public static Score of(LabelMap truth, LabelMap predicted) {
        return of(truth, predicted, defaultTolerance(truth.width(), truth.height()));
    }

    /** The boundary score of {@code predicted} against {@code truth} with a tolerance of {@code tolerance} pixels. */
    public static Score of(LabelMap truth, LabelMap predicted, double tolerance) {
        int w = truth.width();
        int h = truth.height();
        if (predicted.width() != w || predicted.height() != h) {
            throw new IllegalArgumentException("prediction " + predicted.width() + "x" + predicted.height()
                    + " does not match truth " + w + "x" + h);
        }
        byte[] t = truth.data();
        byte[] p = predicted.data();
        boolean[] present = new boolean[256];
        for (int i = 0; i < t.length; i++) {
            if ((t[i] & 0xff) != LabelMap.VOID) {
                present[t[i] & 0xff] = true;
                present[p[i] & 0xff] = true;
            }
        }
        present[LabelMap.VOID] = false;
        int[][] disk = disk(tolerance);
        long predTotal = 0;
        long predMatched = 0;
        long trueTotal = 0;
        long trueMatched = 0;
        for (int c = 0; c < 256; c++) {
            if (!present[c]) {
                continue;
            }
            boolean[] bt = boundary(t, t, c, w, h);
            boolean[] bp = boundary(p, t, c, w, h);
            boolean[] nearT = dilate(bt, w, h, disk);
            boolean[] nearP = dilate(bp, w, h, disk);
            for (int i = 0; i < bt.length; i++) {
                if (bp[i]) {
                    predTotal++;
                    predMatched += nearT[i] ? 1 : 0;
                }
                if (bt[i]) {
                    trueTotal++;
                    trueMatched += nearP[i] ? 1 : 0;
                }
            }
        }
        double precision = predTotal == 0 ? 1 : (double) predMatched / predTotal;
        double recall = trueTotal == 0 ? 1 : (double) trueMatched / trueTotal;
        double f = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new Score(precision, recall, f, predTotal, trueTotal);
    }

    /**
     * Boundary pixels of class {@code c} in {@code map}: in the region, not void in {@code truth}, with a 4-neighbour
     * inside the image that is outside the region and not void in {@code truth}.
     */
    private static boolean[] boundary(byte[] map, byte[] truth, int c, int w, int h) {
        boolean[] out = new boolean[map.length];
        byte cb = (byte) c;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (map[i] != cb || (truth[i] & 0xff) == LabelMap.VOID) {
                    continue;
                }
                out[i] = (x > 0 && differs(map, truth, i - 1, cb)) || (x < w - 1 && differs(map, truth, i + 1, cb))
                        || (y > 0 && differs(map, truth, i - w, cb)) || (y < h - 1 && differs(map, truth, i + w, cb));
            }
        }
        return out;
    }

    private static boolean differs(byte[] map, byte[] truth, int j, byte c) {
        return map[j] != c && (truth[j] & 0xff) != LabelMap.VOID;
    }

    /** Offsets (dx, dy) within Euclidean distance {@code r}. */
    private static int[][] disk(double r) {
        int reach = (int) Math.floor(r);
        List<int[]> out = new ArrayList<>();
        for (int dy = -reach; dy <= reach; dy++) {
            for (int dx = -reach; dx <= reach; dx++) {
                if (dx * dx + dy * dy <= r * r) {
                    out.add(new int[] {dx, dy});
                }
            }
        }
        return out.toArray(new int[0][]);
    }

    private static boolean[] dilate(boolean[] m, int w, int h, int[][] disk) {
        boolean[] out = new boolean[m.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (!m[y * w + x]) {
                    continue;
                }
                for (int[] d : disk) {
                    int xx = x + d[0];
                    int yy = y + d[1];
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
                        out[yy * w + xx] = true;
                    }
                }
            }
        }
        return out;
    }
}
