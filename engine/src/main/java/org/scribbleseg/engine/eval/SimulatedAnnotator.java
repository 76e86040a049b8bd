package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.scribbleseg.engine.image.LabelMap;

/**
 * Produces labels from ground truth the way a person would, for effort benchmarks:
 * <ul>
 *   <li>{@link #scribbles}: one stroke per object (connected region of one class) along its medial axis: the
 *       path between the two ends of the eroded region's geodesic diameter, pulled towards the distance-transform
 *       ridge; brush radius 3..8 px (thinner objects get thinner brushes, down to 1);</li>
 *   <li>{@link #points}: one click per object at a random interior point, a disc of radius ≤ 5;</li>
 *   <li>{@link #tags}: the image-level set of present classes;</li>
 *   <li>{@link #correction}: one stroke (or click) on the largest connected wrong region of a prediction.</li>
 * </ul>
 * Strokes are polylines (x0, y0, x1, y1, ... in pixel coordinates, pixel centres at integers) with a radius and a
 * class label value, ready to be committed as project strokes; {@link StrokeRaster} paints them. Objects smaller
 * than {@code minArea} pixels are skipped. Deterministic for a given seed. Not thread-safe: it keeps full-image scratch
 * between calls, so use one instance per thread.
 */
public final class SimulatedAnnotator {

    /** One simulated stroke. {@code points.length == 2} for a click. */
    public record SimStroke(int classValue, float radius, float[] points) {
        public boolean isPoint() {
            return points.length == 2;
        }
    }

    /** What kind of mark the annotator makes. */
    public enum Kind { SCRIBBLE, POINT }

    private final SplittableRandom rnd;
    private final int minArea;

    public SimulatedAnnotator(long seed, int minArea) {
        this.rnd = new SplittableRandom(seed);
        this.minArea = Math.max(1, minArea);
    }

    /** One scribble per object of the ground truth. */
    public List<SimStroke> scribbles(LabelMap truth) {
        return perObject(truth, Kind.SCRIBBLE);
    }

    /** One click per object of the ground truth. */
    public List<SimStroke> points(LabelMap truth) {
        return perObject(truth, Kind.POINT);
    }

    /** Label values present in the ground truth (void excluded). */
    public static TreeSet<Integer> tags(LabelMap truth) {
        boolean[] seen = new boolean[256];
        for (byte b : truth.data()) {
            seen[b & 0xff] = true;
        }
        TreeSet<Integer> out = new TreeSet<>();
        for (int v = 0; v < 255; v++) {
            if (seen[v]) {
                out.add(v);
            }
        }
        return out;
    }

    /** Paints strokes onto a label map (in order). */
    public static void rasterise(List<SimStroke> strokes, LabelMap target) {
        for (SimStroke s : strokes) {
            StrokeRaster.paint(target, s.points(), s.radius(), s.classValue());
        }
    }

    /**
     * A correction: a mark of the true class on the largest connected region where {@code prediction} is wrong
     * (ground truth not void) and the pixel is not already labelled with its true class. Null if no such region
     * of at least {@code minArea} pixels exists.
     */
    public SimStroke correction(LabelMap truth, LabelMap prediction, LabelMap labelled, Kind kind) {
        int w = truth.width();
        int h = truth.height();
        byte[] t = truth.data();
        byte[] p = prediction.data();
        byte[] l = labelled == null ? null : labelled.data();
        byte[] wrong = wrongScratch = scratch(wrongScratch, w * h);
        Arrays.fill(wrong, (byte) LabelMap.VOID);
        for (int i = 0; i < t.length; i++) {
            int g = t[i] & 0xff;
            if (g != LabelMap.VOID && g != (p[i] & 0xff) && (l == null || (l[i] & 0xff) != g)) {
                wrong[i] = t[i];
            }
        }
        List<int[]> comps = components(new LabelMap(w, h, wrong));
        int[] best = null;
        for (int[] c : comps) {
            if (c.length >= minArea && (best == null || c.length > best.length)) {
                best = c;
            }
        }
        if (best == null) {
            return null;
        }
        return mark(best, wrong[best[0]] & 0xff, w, h, kind);
    }

    private List<SimStroke> perObject(LabelMap truth, Kind kind) {
        List<SimStroke> out = new ArrayList<>();
        byte[] t = truth.data();
        for (int[] comp : components(truth)) {
            if (comp.length >= minArea) {
                out.add(mark(comp, t[comp[0]] & 0xff, truth.width(), truth.height(), kind));
            }
        }
        return out;
    }

    /*
     * Full-image scratch of correction() and components(), kept between calls: the live-latency benchmark asks for a
     * correction after every stroke, and 20 MB of garbage per call at 3 MP made the JVM collect (and grow its heap)
     * during the strokes it times. An annotator is used from one thread at a time.
     */
    private byte[] wrongScratch;
    private boolean[] doneScratch;
    private int[] queueScratch;

    private static byte[] scratch(byte[] a, int n) {
        return a != null && a.length == n ? a : new byte[n];
    }

    /** 8-connected components of equal non-void values; each as its pixel indices (raster order of discovery). */
    private List<int[]> components(LabelMap map) {
        int w = map.width();
        int h = map.height();
        byte[] d = map.data();
        boolean[] done = doneScratch != null && doneScratch.length == d.length ? doneScratch : new boolean[d.length];
        Arrays.fill(done, false);
        doneScratch = done;
        int[] queue = queueScratch != null && queueScratch.length == d.length ? queueScratch : new int[d.length];
        queueScratch = queue;
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < d.length; s++) {
            if (done[s] || (d[s] & 0xff) == LabelMap.VOID) {
                continue;
            }
            byte v = d[s];
            int head = 0;
            int tail = 0;
            queue[tail++] = s;
            done[s] = true;
            while (head < tail) {
                int q = queue[head++];
                int qx = q % w;
                int qy = q / w;
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = qy + dy;
                    if (ny < 0 || ny >= h) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = qx + dx;
                        if (nx < 0 || nx >= w) {
                            continue;
                        }
                        int n = ny * w + nx;
                        if (!done[n] && d[n] == v) {
                            done[n] = true;
                            queue[tail++] = n;
                        }
                    }
                }
            }
            out.add(Arrays.copyOf(queue, tail));
        }
        return out;
    }

    /** A scribble or click on one region (pixel indices into a w × h image). */
    private SimStroke mark(int[] region, int value, int w, int h, Kind kind) {
        // crop to the bounding box + 1 px border
        int minX = Integer.MAX_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxX = -1;
        int maxY = -1;
        for (int p : region) {
            minX = Math.min(minX, p % w);
            maxX = Math.max(maxX, p % w);
            minY = Math.min(minY, p / w);
            maxY = Math.max(maxY, p / w);
        }
        int bw = maxX - minX + 3;
        int bh = maxY - minY + 3;
        boolean[] in = new boolean[bw * bh];
        for (int p : region) {
            in[(p / w - minY + 1) * bw + (p % w - minX + 1)] = true;
        }
        float[] dt = distance(in, bw, bh);
        int arg = 0;
        for (int i = 1; i < dt.length; i++) {
            if (dt[i] > dt[arg]) {
                arg = i;
            }
        }
        float maxDt = dt[arg];
        int ox = minX - 1;
        int oy = minY - 1;
        if (kind == Kind.POINT) {
            float r = Math.max(1f, Math.min(5f, maxDt - 1f));
            int[] cand = new int[dt.length];
            int n = 0;
            for (int i = 0; i < dt.length; i++) {
                if (dt[i] > r) {
                    cand[n++] = i;
                }
            }
            int c = n == 0 ? arg : cand[rnd.nextInt(n)];
            return new SimStroke(value, r, new float[] {c % bw + ox, c / bw + oy});
        }
        float r = Math.max(1f, Math.min(Math.min(8f, Math.max(3f, Math.round(maxDt * 0.35f))), maxDt - 1f));
        boolean[] eroded = new boolean[dt.length];
        int count = 0;
        for (int i = 0; i < dt.length; i++) {
            eroded[i] = dt[i] > r;
            count += eroded[i] ? 1 : 0;
        }
        if (count < 2) {
            return new SimStroke(value, r, new float[] {arg % bw + ox, arg / bw + oy});
        }
        int a = farthest(eroded, bw, bh, arg, null, null);
        int[] parent = new int[dt.length];
        int b = farthest(eroded, bw, bh, a, dt, parent);
        // walk back from b to a
        List<Integer> path = new ArrayList<>();
        for (int q = b; q != -1; q = parent[q]) {
            path.add(q);
            if (q == a) {
                break;
            }
        }
        int stepPx = 4;
        float[] pts = new float[2 * (path.size() / stepPx + 2)];
        int j = 0;
        for (int i = 0; i < path.size(); i += stepPx) {
            pts[j++] = path.get(i) % bw + ox;
            pts[j++] = path.get(i) / bw + oy;
        }
        if (j < pts.length) {
            int last = path.get(path.size() - 1);
            pts[j++] = last % bw + ox;
            pts[j++] = last / bw + oy;
        }
        return new SimStroke(value, r, Arrays.copyOf(pts, j));
    }

    /**
     * Dijkstra inside {@code region} from {@code start}; step cost 1 (√2 diagonal), times 1 + 3 (1 − dt/max dt)
     * when {@code dt} is given (pulls paths onto the medial ridge). Returns the farthest pixel; fills parents.
     */
    private static int farthest(boolean[] region, int w, int h, int start, float[] dt, int[] parent) {
        float maxDt = 1;
        if (dt != null) {
            for (float v : dt) {
                maxDt = Math.max(maxDt, v);
            }
        }
        double[] dist = new double[region.length];
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        if (parent != null) {
            Arrays.fill(parent, -1);
        }
        dist[start] = 0;
        PriorityQueue<long[]> pq = new PriorityQueue<>(Comparator.<long[]>comparingLong(e -> e[0])
                .thenComparingLong(e -> e[1]));
        pq.add(new long[] {0, start});
        int far = start;
        while (!pq.isEmpty()) {
            long[] e = pq.poll();
            int q = (int) e[1];
            double dq = Double.longBitsToDouble(e[0]);
            if (dq > dist[q]) {
                continue;
            }
            if (dq > dist[far] || (dq == dist[far] && q < far)) {
                far = q;
            }
            int qx = q % w;
            int qy = q / w;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    if ((dx | dy) == 0) {
                        continue;
                    }
                    int nx = qx + dx;
                    int ny = qy + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) {
                        continue;
                    }
                    int n = ny * w + nx;
                    if (!region[n]) {
                        continue;
                    }
                    double step = (dx != 0 && dy != 0) ? Math.sqrt(2) : 1;
                    if (dt != null) {
                        step *= 1 + 3 * (1 - dt[n] / maxDt);
                    }
                    double nd = dq + step;
                    if (nd < dist[n]) {
                        dist[n] = nd;
                        if (parent != null) {
                            parent[n] = q;
                        }
                        pq.add(new long[] {Double.doubleToLongBits(nd), n});
                    }
                }
            }
        }
        return far;
    }

    /** Chamfer (1, √2) distance of each inside pixel to the nearest outside pixel (0 outside). */
    static float[] distance(boolean[] in, int w, int h) {
        float big = w + h;
        float[] d = new float[in.length];
        float s2 = (float) Math.sqrt(2);
        for (int i = 0; i < d.length; i++) {
            d[i] = in[i] ? big : 0;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (d[i] == 0) {
                    continue;
                }
                float v = d[i];
                v = Math.min(v, x > 0 ? d[i - 1] + 1 : 1);
                v = Math.min(v, y > 0 ? d[i - w] + 1 : 1);
                v = Math.min(v, (x > 0 && y > 0) ? d[i - w - 1] + s2 : s2);
                v = Math.min(v, (x < w - 1 && y > 0) ? d[i - w + 1] + s2 : s2);
                d[i] = v;
            }
        }
        for (int y = h - 1; y >= 0; y--) {
            for (int x = w - 1; x >= 0; x--) {
                int i = y * w + x;
                if (d[i] == 0) {
                    continue;
                }
                float v = d[i];
                v = Math.min(v, x < w - 1 ? d[i + 1] + 1 : 1);
                v = Math.min(v, y < h - 1 ? d[i + w] + 1 : 1);
                v = Math.min(v, (x < w - 1 && y < h - 1) ? d[i + w + 1] + s2 : s2);
                v = Math.min(v, (x > 0 && y < h - 1) ? d[i + w - 1] + s2 : s2);
                d[i] = v;
            }
        }
        return d;
    }
}
