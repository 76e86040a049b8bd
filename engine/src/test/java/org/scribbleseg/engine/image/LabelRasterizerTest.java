package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;

class LabelRasterizerTest {
    /** class id → VOC index for the fixtures. */
    static final Function<Long, Integer> IDX = Map.of(10L, 2, 20L, 1, 30L, 3)::get;

    static Stroke s(StrokeKind k, Long cls, float r, float... pts) {
        return new Stroke(0, 1, cls, k, r, pts, 0);
    }

    /** Rows of a map, '.' = 255, digits = values. */
    static LabelMap map(String... rows) {
        int w = rows[0].length();
        byte[] d = new byte[w * rows.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < w; x++) {
                char c = rows[y].charAt(x);
                d[y * w + x] = (byte) (c == '.' ? 255 : c - '0');
            }
        }
        return new LabelMap(w, rows.length, d);
    }

    static String[] rows(LabelMap m) {
        String[] out = new String[m.height()];
        for (int y = 0; y < m.height(); y++) {
            StringBuilder b = new StringBuilder();
            for (int x = 0; x < m.width(); x++) {
                int v = m.get(x, y);
                b.append(v == 255 ? '.' : (char) ('0' + v));
            }
            out[y] = b.toString();
        }
        return out;
    }

    static final Stroke A = s(StrokeKind.SCRIBBLE, 10L, 1f, 1.5f, 1.5f, 8.5f, 1.5f);
    static final Stroke B = s(StrokeKind.POINT, 20L, 1.5f, 3.5f, 4.5f);
    static final Stroke C = s(StrokeKind.IGNORE, null, 0f, 10.5f, 0.5f, 10.5f, 9.5f);
    static final Stroke D = s(StrokeKind.ERASE, null, 0f, 5.5f, 0.5f, 5.5f, 9.5f);
    static final Stroke E = s(StrokeKind.SCRIBBLE, 30L, 0.5f, 0.5f, 8.5f, 11.5f, 8.5f);

    @Test
    void everyKindGolden() {
        LabelRasterizer.Result r = LabelRasterizer.rasterize(LabelMap.unlabelled(12, 10), List.of(A, B, C, D, E), IDX, true);
        assertThat(r.labels()).isEqualTo(map(
                ".2222.222...",
                "22222.2222..",
                ".2222.222...",
                "..111.......",
                "..111.......",
                "..111.......",
                "............",
                "............",
                "333333333333",
                "............"));
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                assertThat(r.isIgnored(x, y)).as("ignored %d,%d", x, y).isEqualTo(x == 10 && y != 8);
            }
        }
    }

    @Test
    void laterStrokesWinOrderMatters() {
        assertThat(rows(LabelRasterizer.rasterize(12, 3, List.of(A, D), IDX))).containsExactly(
                ".2222.222...",
                "22222.2222..",
                ".2222.222...");
        assertThat(rows(LabelRasterizer.rasterize(12, 3, List.of(D, A), IDX))).containsExactly(
                ".22222222...",
                "2222222222..",
                ".22222222...");
        Stroke p = s(StrokeKind.POINT, 20L, 1.5f, 2.5f, 1.5f);
        assertThat(rows(LabelRasterizer.rasterize(12, 3, List.of(p, A), IDX))).containsExactly(
                ".22222222...",
                "2222222222..",
                ".22222222...");
        assertThat(rows(LabelRasterizer.rasterize(12, 3, List.of(A, p), IDX))).containsExactly(
                ".11122222...",
                "2111222222..",
                ".11122222...");
    }

    @Test
    void drawsOverABaseMaskWithoutChangingIt() {
        LabelMap base = map("0000", "0000", "1111");
        LabelMap before = base.copy();
        Stroke erase = s(StrokeKind.ERASE, null, 0f, 1.5f, 0.5f, 1.5f, 2.5f);
        Stroke ignore = s(StrokeKind.IGNORE, null, 0f, 3.2f, 0.2f);
        Stroke paint = s(StrokeKind.SCRIBBLE, 30L, 0f, 0.5f, 2.5f, 3.5f, 2.5f);
        LabelRasterizer.Result r = LabelRasterizer.rasterize(base, List.of(erase, ignore, paint), IDX, true);
        assertThat(rows(r.labels())).containsExactly("0.0.", "0.00", "3333");
        assertThat(r.isIgnored(3, 0)).isTrue();
        assertThat(r.isIgnored(1, 0)).isFalse();
        assertThat(base).isEqualTo(before);
    }

    @Test
    void zeroRadiusPointStillCoversItsPixelAndUnknownClassIsSkipped() {
        Stroke dot = s(StrokeKind.POINT, 30L, 0f, 2.9f, 1.1f);
        Stroke gone = s(StrokeKind.SCRIBBLE, 99L, 5f, 0f, 0f, 4f, 3f);
        assertThat(rows(LabelRasterizer.rasterize(4, 3, List.of(dot, gone), IDX))).containsExactly("....", "..3.", "....");
    }

    @Test
    void damagedStrokesPaintNothing() {
        Stroke nanPoint = s(StrokeKind.SCRIBBLE, 20L, 1f, Float.NaN, 1f, 2f, 1f);
        Stroke nanRadius = s(StrokeKind.POINT, 20L, Float.NaN, 1.5f, 1.5f);
        Stroke inf = s(StrokeKind.POINT, 20L, 1f, Float.POSITIVE_INFINITY, 1.5f);
        assertThat(LabelRasterizer.rasterize(4, 3, List.of(nanPoint, nanRadius, inf), IDX).labelledCount()).isZero();
    }

    @Test
    void clipsStrokesOutsideTheImage() {
        Stroke off = s(StrokeKind.SCRIBBLE, 20L, 1f, -5f, 1.5f, 2.5f, 1.5f, 30f, -40f);
        Stroke far = s(StrokeKind.POINT, 20L, 3f, 100f, 100f);
        LabelMap m = LabelRasterizer.rasterize(5, 3, List.of(off, far), IDX);
        assertThat(m).isEqualTo(reference(5, 3, List.of(off, far)));
    }

    @Test
    void matchesPerPixelDistanceReferenceOnRandomStrokes() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int w = 5 + rnd.nextInt(40);
            int h = 5 + rnd.nextInt(40);
            List<Stroke> strokes = new ArrayList<>();
            for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                StrokeKind kind = StrokeKind.values()[rnd.nextInt(4)];
                int n = kind == StrokeKind.POINT ? 1 : 1 + rnd.nextInt(5);
                float[] pts = new float[2 * n];
                for (int i = 0; i < n; i++) {
                    pts[2 * i] = rnd.nextFloat() * (w + 10) - 5;
                    pts[2 * i + 1] = rnd.nextFloat() * (h + 10) - 5;
                }
                Long cls = kind.needsClass() ? List.of(10L, 20L, 30L).get(rnd.nextInt(3)) : null;
                strokes.add(s(kind, cls, rnd.nextFloat() * 6, pts));
            }
            assertThat(LabelRasterizer.rasterize(w, h, strokes, IDX)).as("trial %d", trial).isEqualTo(reference(w, h, strokes));
        }
    }

    /** The coverage rule written the slow way: per pixel, distance from the centre to each segment. */
    static LabelMap reference(int w, int h, List<Stroke> strokes) {
        LabelMap m = LabelMap.unlabelled(w, h);
        for (Stroke st : strokes) {
            Integer v = st.kind().needsClass() ? IDX.apply(st.classId()) : Integer.valueOf(255);
            if (v == null) {
                continue;
            }
            double r = Math.max(st.radius(), Math.sqrt(0.5));
            float[] p = st.points();
            int n = p.length / 2;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double cx = x + 0.5;
                    double cy = y + 0.5;
                    double best = Double.POSITIVE_INFINITY;
                    if (st.kind() == StrokeKind.POINT || n == 1) {
                        for (int i = 0; i < n; i++) {
                            best = Math.min(best, Math.hypot(cx - p[2 * i], cy - p[2 * i + 1]));
                        }
                    } else {
                        for (int i = 0; i + 1 < n; i++) {
                            best = Math.min(best, segDist(cx, cy, p[2 * i], p[2 * i + 1], p[2 * i + 2], p[2 * i + 3]));
                        }
                    }
                    // a band of 1e-4 around the exact boundary may go either way (float rounding)
                    if (best <= r - 1e-4) {
                        m.set(x, y, v);
                    } else if (best <= r + 1e-4) {
                        m.set(x, y, LabelRasterizer.rasterize(w, h, List.of(st), IDX).get(x, y) == v ? v : m.get(x, y));
                    }
                }
            }
        }
        return m;
    }

    static double segDist(double px, double py, double ax, double ay, double bx, double by) {
        double dx = bx - ax;
        double dy = by - ay;
        double l2 = dx * dx + dy * dy;
        double t = l2 == 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2));
        return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
    }

    /**
     * On a 2048×1536 map with 200 strokes (erasers among them), painting the later strokes over the map of the
     * earlier ones gives the map of all of them at once: the live loop's incremental painting of a new stroke relies
     * on it. (Its speed is part of the gather phase `bench live` reports.)
     */
    @Test
    void paintingNewStrokesOverALargeMapEqualsPaintingAllAtOnce() {
        Random rnd = new Random(7);
        List<Stroke> strokes = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            int n = 20;
            float[] pts = new float[2 * n];
            float x = rnd.nextFloat() * 2048;
            float y = rnd.nextFloat() * 1536;
            for (int i = 0; i < n; i++) {
                x += rnd.nextFloat() * 40 - 20;
                y += rnd.nextFloat() * 40 - 20;
                pts[2 * i] = x;
                pts[2 * i + 1] = y;
            }
            strokes.add(s(k % 10 == 0 ? StrokeKind.ERASE : StrokeKind.SCRIBBLE, 10L, 4 + rnd.nextFloat() * 12, pts));
        }
        LabelMap base = LabelMap.unlabelled(2048, 1536);
        LabelMap all = LabelRasterizer.rasterize(base, strokes, IDX, false).labels();
        LabelMap first = LabelRasterizer.rasterize(base, strokes.subList(0, 120), IDX, false).labels();
        LabelMap then = LabelRasterizer.rasterize(first, strokes.subList(120, 200), IDX, false).labels();
        assertThat(then.data()).isEqualTo(all.data());
        assertThat(all.labelledCount()).isGreaterThan(100_000);
        assertThat(base.labelledCount()).as("the base map is not changed").isZero();
    }
}
