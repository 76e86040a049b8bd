package org.scribbleseg.app;

import java.util.List;
import java.util.Map;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
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
     * Paints one stroke on the pixels the engine's coverage rule gives it ({@link LabelRasterizer#cover}: the same
     * pixels the stroke's label map gets). Returns the touched box {x0, y0, x1, y1} (exclusive ends), or null when
     * no pixel of the image is covered.
     */
    public static int[] paintStroke(StrokeKind kind, int rgb, float radius, float[] pts, int[] out, int width, int height) {
        int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
        int paint = opaque(rgb);
        LabelRasterizer.cover(kind == StrokeKind.POINT, radius, pts, width, height, (y, x0, x1) -> {
            int row = y * width;
            for (int x = x0; x <= x1; x++) {
                out[row + x] = switch (kind) {
                    case SCRIBBLE, POINT -> paint;
                    case ERASE -> 0;
                    case IGNORE -> ((x + y) / 6) % 2 == 0 ? IGNORE_A : IGNORE_B;
                };
            }
            box[0] = Math.min(box[0], x0);
            box[1] = Math.min(box[1], y);
            box[2] = Math.max(box[2], x1 + 1);
            box[3] = Math.max(box[3], y + 1);
        });
        return box[0] == Integer.MAX_VALUE ? null : box;
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
