package org.scribbleseg.engine.image;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns strokes into an 8-bit label map (value = class VOC index, {@link LabelMap#VOID} = 255 = unlabelled/void).
 *
 * <p><b>Coverage rule.</b> A stroke with points p0..pn and radius r covers pixel (x, y) exactly when the pixel's
 * centre c = (x + 0.5, y + 0.5) lies within distance r<sub>eff</sub> of the stroke's shape (with a tolerance of
 * 1e-6 so that boundary pixels do not depend on rounding), where r<sub>eff</sub> = max(r, √½). The shape of a
 * point stroke ({@link StrokeShape#separateDiscs()}) is its point(s) (a disc around each); of any other kind, the polyline p0–p1–…–pn
 * (thick round-capped segments; a single point is a disc). The √½ floor means every point of the polyline lies in
 * a covered pixel, so even a zero-radius stroke never vanishes.
 *
 * <p><b>Values.</b> Strokes apply in list order, later over earlier: SCRIBBLE and POINT write their class's index,
 * ERASE writes 255 (back to unlabelled), IGNORE writes 255 and, when an ignore mask is asked for, marks the pixel
 * ignored (a later SCRIBBLE/POINT/ERASE on the pixel clears that mark). A stroke whose class maps to {@code null}
 * (the class is gone) is skipped, and so are a non-finite radius and segments with a non-finite coordinate. The optional base map (an accepted mask) is copied, never changed.
 *
 * <p>Coordinates are image pixels with (0, 0) the top-left corner of the top-left pixel. Each segment is filled as
 * horizontal spans row by row (cost ∝ the covered area, not the image area).
 */
public final class LabelRasterizer {
    /** Floor of the effective radius: half the pixel diagonal. */
    public static final double MIN_RADIUS = Math.sqrt(0.5);
    private static final double EPS = 1e-6;

    private LabelRasterizer() {
    }

    /** The result: labels, and the ignore-brush mask (1 = ignored) when it was asked for, else {@code null}. */
    public record Result(LabelMap labels, byte[] ignored) {
        /** Whether pixel (x, y) was painted with the ignore brush (and not painted over since). */
        public boolean isIgnored(int x, int y) {
            return ignored != null && ignored[y * labels.width() + x] != 0;
        }
    }

    /** Rasterizes onto an unlabelled map of the given size. */
    public static LabelMap rasterize(int width, int height, List<? extends StrokeShape> strokes, Function<Long, Integer> vocIndexOfClass) {
        return rasterize(LabelMap.unlabelled(width, height), strokes, vocIndexOfClass, false).labels();
    }

    /**
     * Rasterizes over a copy of {@code base} (an accepted mask, or {@link LabelMap#unlabelled}); with
     * {@code withIgnoreMask} the result also says which pixels the ignore brush marked (one byte per pixel, 1 =
     * ignored), which both export as 255 but only the ignore brush means "never train on this".
     */
    public static Result rasterize(LabelMap base, List<? extends StrokeShape> strokes, Function<Long, Integer> vocIndexOfClass,
            boolean withIgnoreMask) {
        Objects.requireNonNull(base, "base");
        LabelMap out = base.copy();
        byte[] ignored = withIgnoreMask ? new byte[base.width() * base.height()] : null;
        byte[] data = out.data();
        int w = out.width();
        for (StrokeShape s : strokes) {
            int value;
            byte ign;
            switch (s.effect()) {
                case PAINT_CLASS -> {
                    Integer idx = s.classId() == null ? null : vocIndexOfClass.apply(s.classId());
                    if (idx == null) {
                        continue;
                    }
                    if (idx < 0 || idx >= LabelMap.VOID) {
                        throw new IllegalArgumentException("class " + s.classId() + " has index " + idx
                                + "; label values must be 0..254");
                    }
                    value = idx;
                    ign = 0;
                }
                case ERASE -> {
                    value = LabelMap.VOID;
                    ign = 0;
                }
                case IGNORE -> {
                    value = LabelMap.VOID;
                    ign = 1;
                }
                default -> throw new IllegalStateException("unknown stroke effect " + s.effect());
            }
            byte v = (byte) value;
            byte g = ign;
            cover(s.separateDiscs(), s.radius(), s.points(), w, out.height(), (y, x0, x1) -> {
                int o = y * w;
                Arrays.fill(data, o + x0, o + x1 + 1, v);
                if (ignored != null) {
                    Arrays.fill(ignored, o + x0, o + x1 + 1, g);
                }
            });
        }
        return new Result(out, ignored);
    }

    /** Receives the covered pixels x0..x1 (inclusive) of row y. */
    @FunctionalInterface
    public interface SpanSink {
        void span(int y, int x0, int x1);
    }

    /**
     * The pixels one stroke covers under the coverage rule above, clipped to {@code width} x {@code height}, as row
     * spans (a pixel may be reported more than once). The one coverage rule of the tool: the label maps here and the
     * app's instant paint of a stroke both use it. {@code separateDiscs}: each point is a disc (a click), else the
     * points are a polyline. A non-finite radius covers nothing, and so does a segment with a non-finite coordinate.
     */
    public static void cover(boolean separateDiscs, float radius, float[] pts, int width, int height, SpanSink sink) {
        if (!Float.isFinite(radius)) {
            return; // a damaged stroke paints nothing
        }
        double r = Math.max(radius, MIN_RADIUS);
        int n = pts.length / 2;
        if (n == 0) {
            return;
        }
        Cover c = new Cover(width, height, sink);
        if (separateDiscs || n == 1) {
            for (int i = 0; i < n; i++) {
                c.capsule(pts[2 * i], pts[2 * i + 1], pts[2 * i], pts[2 * i + 1], r, true);
            }
        } else {
            // segment i > 0 leaves out its start disc: the previous segment's end disc is the same disc
            boolean prevDrawn = false;
            for (int i = 0; i + 1 < n; i++) {
                prevDrawn = c.capsule(pts[2 * i], pts[2 * i + 1], pts[2 * i + 2], pts[2 * i + 3], r, !prevDrawn);
            }
        }
    }

    private static final class Cover {
        final int w;
        final int h;
        final SpanSink sink;

        Cover(int w, int h, SpanSink sink) {
            this.w = w;
            this.h = h;
            this.sink = sink;
        }

        /**
         * Fills the pixels whose centres lie within r of segment a–b (a disc when a == b); without {@code startCap}
         * the disc around a is left out (the shape stays convex: the capsule cut at a). Returns whether it drew
         * (false for a damaged segment).
         */
        boolean capsule(double ax, double ay, double bx, double by, double r, boolean startCap) {
            if (!Double.isFinite(ax) || !Double.isFinite(ay) || !Double.isFinite(bx) || !Double.isFinite(by)) {
                return false; // a damaged point paints nothing
            }
            double re = r + EPS;
            int y0 = Math.max(0, (int) Math.ceil(Math.min(ay, by) - re - 0.5));
            int y1 = Math.min(h - 1, (int) Math.floor(Math.max(ay, by) + re - 0.5));
            double dx = bx - ax;
            double dy = by - ay;
            double len2 = dx * dx + dy * dy;
            double len = Math.sqrt(len2);
            for (int y = y0; y <= y1; y++) {
                double cy = y + 0.5;
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                // disc at a
                double ey = cy - ay;
                double q = re * re - ey * ey;
                if (q >= 0 && (startCap || len2 == 0)) {
                    double s = Math.sqrt(q);
                    lo = Math.min(lo, ax - s);
                    hi = Math.max(hi, ax + s);
                }
                if (len2 > 0) {
                    // disc at b
                    ey = cy - by;
                    q = re * re - ey * ey;
                    if (q >= 0) {
                        double s = Math.sqrt(q);
                        lo = Math.min(lo, bx - s);
                        hi = Math.max(hi, bx + s);
                    }
                    // the strip: 0 <= t(X) <= 1 and |perp(X)| <= r, with p = (X, cy)
                    // t(X) = ((X - ax) dx + (cy - ay) dy) / len2 ; perp(X) = ((X - ax) dy - (cy - ay) dx) / len
                    double slo = Double.NEGATIVE_INFINITY;
                    double shi = Double.POSITIVE_INFINITY;
                    double ry = cy - ay;
                    if (dx != 0) {
                        // 0 <= (X - ax) dx + ry dy <= len2
                        double u0 = ax + (0 - ry * dy) / dx;
                        double u1 = ax + (len2 - ry * dy) / dx;
                        slo = Math.max(slo, Math.min(u0, u1));
                        shi = Math.min(shi, Math.max(u0, u1));
                    } else if (ry * dy < 0 || ry * dy > len2) {
                        slo = 1;
                        shi = 0;
                    }
                    if (dy != 0) {
                        // -re len <= (X - ax) dy - ry dx <= re len
                        double v0 = ax + (ry * dx - re * len) / dy;
                        double v1 = ax + (ry * dx + re * len) / dy;
                        slo = Math.max(slo, Math.min(v0, v1));
                        shi = Math.min(shi, Math.max(v0, v1));
                    } else if (Math.abs(ry * dx) > re * len) {
                        slo = 1;
                        shi = 0;
                    }
                    if (slo <= shi) {
                        lo = Math.min(lo, slo);
                        hi = Math.max(hi, shi);
                    }
                }
                if (lo > hi) {
                    continue;
                }
                // pixel x is covered when lo <= x + 0.5 <= hi
                double fx0 = Math.ceil(lo - 0.5);
                double fx1 = Math.floor(hi - 0.5);
                if (fx1 < 0 || fx0 > w - 1) {
                    continue;
                }
                int x0 = (int) Math.max(0, fx0);
                int x1 = (int) Math.min(w - 1, fx1);
                if (x0 > x1) {
                    continue;
                }
                sink.span(y, x0, x1);
            }
            return true;
        }
    }
}
