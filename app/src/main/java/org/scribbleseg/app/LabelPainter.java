package org.scribbleseg.app;

import java.util.List;
import java.util.Map;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * The UI's own drawing of labels into ARGB pixel buffers (image resolution, one int per pixel): accepted masks and
 * predictions in class colours, stored strokes as round-capped thick polylines, the ignore brush as a grey hatch,
 * the eraser as transparent. Pure computation; safe on any thread.
 */
public final class LabelPainter {
    /** ARGB of pixels the ignore brush marked void: two greys in diagonal bands. */
    public static final int IGNORE_A = 0xff6e6e6e;
    public static final int IGNORE_B = 0xffb4b4b4;

    private LabelPainter() {
    }

    /** Opaque ARGB of a 0xRRGGBB colour. */
    public static int opaque(int rgb) {
        return 0xff000000 | (rgb & 0xffffff);
    }

    /**
     * Paints a label map: value v → {@code colorsByValue[v]} (ARGB; 0 = transparent), 255 (void) transparent.
     * Writes into {@code out} (width × height).
     */
    public static void paintLabels(LabelMap map, int[] colorsByValue, int[] out) {
        byte[] d = map.data();
        for (int i = 0; i < d.length; i++) {
            int v = d[i] & 0xff;
            out[i] = v == LabelMap.VOID ? 0 : colorsByValue[v];
        }
    }

    /**
     * Makes the pixels whose confidence byte (value/255) is below {@code cut} transparent; returns how many it hid.
     */
    public static int hideBelow(int[] argb, byte[] confidence, int cut) {
        int hidden = 0;
        for (int i = 0; i < argb.length; i++) {
            if ((confidence[i] & 0xff) < cut && argb[i] != 0) {
                argb[i] = 0;
                hidden++;
            }
        }
        return hidden;
    }

    /** ARGB buffer of a label map in class colours. */
    public static int[] labelsToArgb(LabelMap map, int[] colorsByValue) {
        int[] out = new int[map.width() * map.height()];
        paintLabels(map, colorsByValue, out);
        return out;
    }

    /** Table value → ARGB from class VOC indices and colours. */
    public static int[] colorTable(Map<Integer, Integer> rgbByVocIndex) {
        int[] t = new int[256];
        rgbByVocIndex.forEach((index, rgb) -> {
            if (index >= 0 && index < 255) {
                t[index] = opaque(rgb);
            }
        });
        return t;
    }

    /** Uncertainty (0..255 per pixel) as a warm heat map whose opacity grows with the uncertainty. */
    public static int[] uncertaintyToArgb(byte[] uncertainty) {
        int[] out = new int[uncertainty.length];
        for (int i = 0; i < out.length; i++) {
            int u = uncertainty[i] & 0xff;
            int r = 255;
            int g = 255 - u;
            int b = Math.max(0, 96 - u);
            out[i] = (u << 24) | (r << 16) | (g << 8) | b;
        }
        return out;
    }

    /** Paints the strokes in drawing order over {@code out}; returns nothing, touches only each stroke's box. */
    public static void paintStrokes(List<Stroke> strokes, Map<Long, Integer> rgbByClassId, int[] out, int width, int height) {
        for (Stroke s : strokes) {
            paintStroke(s.kind(), colorOf(s, rgbByClassId), s.radius(), s.points(), out, width, height);
        }
    }

    static int colorOf(Stroke s, Map<Long, Integer> rgbByClassId) {
        if (s.classId() == null) {
            return 0;
        }
        Integer rgb = rgbByClassId.get(s.classId());
        return rgb == null ? 0xff00ff : rgb;
    }

    /**
     * Paints one stroke: every pixel whose centre lies within {@code radius} of the polyline. Returns the touched
     * box {x0, y0, x1, y1} (exclusive ends), or null when it lies outside the image.
     */
    public static int[] paintStroke(StrokeKind kind, int rgb, float radius, float[] pts, int[] out, int width, int height) {
        int n = pts.length / 2;
        float r = Math.max(0.5f, radius);
        float r2 = r * r;
        int bx0 = Integer.MAX_VALUE;
        int by0 = Integer.MAX_VALUE;
        int bx1 = Integer.MIN_VALUE;
        int by1 = Integer.MIN_VALUE;
        for (int i = 0; i < Math.max(1, n - 1); i++) {
            float ax = pts[2 * i];
            float ay = pts[2 * i + 1];
            float cx = n > 1 ? pts[2 * i + 2] : ax;
            float cy = n > 1 ? pts[2 * i + 3] : ay;
            int x0 = Math.max(0, (int) Math.floor(Math.min(ax, cx) - r));
            int y0 = Math.max(0, (int) Math.floor(Math.min(ay, cy) - r));
            int x1 = Math.min(width, (int) Math.ceil(Math.max(ax, cx) + r) + 1);
            int y1 = Math.min(height, (int) Math.ceil(Math.max(ay, cy) + r) + 1);
            if (x0 >= x1 || y0 >= y1) {
                continue;
            }
            float dx = cx - ax;
            float dy = cy - ay;
            float len2 = dx * dx + dy * dy;
            for (int y = y0; y < y1; y++) {
                float py = y + 0.5f;
                int row = y * width;
                for (int x = x0; x < x1; x++) {
                    float px = x + 0.5f;
                    float t = len2 == 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
                    t = t < 0 ? 0 : (t > 1 ? 1 : t);
                    float ex = ax + t * dx - px;
                    float ey = ay + t * dy - py;
                    if (ex * ex + ey * ey <= r2) {
                        out[row + x] = switch (kind) {
                            case SCRIBBLE, POINT -> opaque(rgb);
                            case ERASE -> 0;
                            case IGNORE -> ((x + y) / 6) % 2 == 0 ? IGNORE_A : IGNORE_B;
                        };
                    }
                }
            }
            bx0 = Math.min(bx0, x0);
            by0 = Math.min(by0, y0);
            bx1 = Math.max(bx1, x1);
            by1 = Math.max(by1, y1);
        }
        return bx0 == Integer.MAX_VALUE ? null : new int[] {bx0, by0, bx1, by1};
    }

    /** A new image holding an ARGB buffer. */
    public static WritableImage toImage(int[] argb, int width, int height) {
        WritableImage img = new WritableImage(width, height);
        write(img, argb, width, 0, 0, width, height);
        return img;
    }

    /** Copies the box (x0, y0)–(x1, y1) of an ARGB buffer into the image. */
    public static void write(WritableImage img, int[] argb, int width, int x0, int y0, int x1, int y1) {
        if (x1 <= x0 || y1 <= y0) {
            return;
        }
        img.getPixelWriter().setPixels(x0, y0, x1 - x0, y1 - y0, PixelFormat.getIntArgbInstance(), argb, y0 * width + x0, width);
    }
}
