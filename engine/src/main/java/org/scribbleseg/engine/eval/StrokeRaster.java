package org.scribbleseg.engine.eval;

import org.scribbleseg.engine.image.LabelMap;

/**
 * Rasterises round-capped thick polylines onto a label map: a pixel is painted when its centre lies within
 * {@code radius} of the polyline (a single point is a disc). Later strokes overwrite earlier ones. Simulation
 * only; the project store has its own rasteriser.
 */
public final class StrokeRaster {
    private StrokeRaster() {
    }

    /** Paints {@code value} on every pixel within radius of the polyline points = x0, y0, x1, y1, .... */
    public static void paint(LabelMap map, float[] points, float radius, int value) {
        if (points.length < 2) {
            return;
        }
        if (points.length == 2) {
            segment(map, points[0], points[1], points[0], points[1], radius, value);
            return;
        }
        for (int i = 0; i + 3 < points.length; i += 2) {
            segment(map, points[i], points[i + 1], points[i + 2], points[i + 3], radius, value);
        }
    }

    private static void segment(LabelMap map, float ax, float ay, float bx, float by, float r, int value) {
        int x0 = Math.max(0, (int) Math.floor(Math.min(ax, bx) - r));
        int x1 = Math.min(map.width() - 1, (int) Math.ceil(Math.max(ax, bx) + r));
        int y0 = Math.max(0, (int) Math.floor(Math.min(ay, by) - r));
        int y1 = Math.min(map.height() - 1, (int) Math.ceil(Math.max(ay, by) + r));
        float dx = bx - ax;
        float dy = by - ay;
        float len2 = dx * dx + dy * dy;
        float r2 = r * r;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                float px = x - ax;
                float py = y - ay;
                float t = len2 == 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
                float ex = px - t * dx;
                float ey = py - t * dy;
                if (ex * ex + ey * ey <= r2) {
                    map.set(x, y, value);
                }
            }
        }
    }
}
