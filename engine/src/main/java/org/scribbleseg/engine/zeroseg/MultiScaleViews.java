package org.scribbleseg.engine.zeroseg;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.scribbleseg.engine.image.RgbImage;

/**
 * The teacher's multi-scale views of an image (methods.md §E): the full image, its 2×2 grid and its 3×3 grid (cells
 * row-major), each resized to a square of the input size; 1 + 4 + 9 = 14 views, the first global, the other 13
 * local. Cell bounds are {@code ⌊i·W/g⌋ .. ⌊(i+1)·W/g⌋} (likewise for rows), so the cells tile the image exactly.
 * Resizing is OpenCV's INTER_AREA when shrinking, INTER_LINEAR when enlarging (as the backbones' preprocessing).
 */
public final class MultiScaleViews {
    /** The grids of the views after the full image. */
    public static final int[] GRIDS = {2, 3};
    public static final int COUNT = 1 + 4 + 9;
    public static final int LOCAL = COUNT - 1;

    private MultiScaleViews() {
    }

    /** A crop rectangle: x0 inclusive, x1 exclusive. */
    public record Box(int x0, int y0, int x1, int y1) {
        public int width() {
            return x1 - x0;
        }

        public int height() {
            return y1 - y0;
        }
    }

    /** The 14 crop boxes of a width × height image: full, then the 2×2 and 3×3 cells row-major. */
    public static List<Box> boxes(int width, int height) {
        List<Box> out = new ArrayList<>();
        out.add(new Box(0, 0, width, height));
        for (int g : GRIDS) {
            for (int r = 0; r < g; r++) {
                for (int c = 0; c < g; c++) {
                    out.add(new Box((int) ((long) c * width / g), (int) ((long) r * height / g), (int) ((long) (c + 1) * width / g),
                            (int) ((long) (r + 1) * height / g)));
                }
            }
        }
        return out;
    }

    /** The 14 views of {@code img}, each {@code size} × {@code size}. */
    public static List<RgbImage> views(RgbImage img, int size) {
        List<RgbImage> out = new ArrayList<>();
        for (Box b : boxes(img.width(), img.height())) {
            out.add(resize(crop(img, b), size, size));
        }
        return out;
    }

    public static RgbImage crop(RgbImage img, Box b) {
        if (b.width() <= 0 || b.height() <= 0) {
            throw new IllegalArgumentException("image " + img.width() + "×" + img.height() + " too small for a 3×3 grid");
        }
        byte[] px = new byte[b.width() * b.height() * 3];
        for (int y = 0; y < b.height(); y++) {
            System.arraycopy(img.rgb(), ((b.y0() + y) * img.width() + b.x0()) * 3, px, y * b.width() * 3, b.width() * 3);
        }
        return new RgbImage(b.width(), b.height(), px);
    }

    public static RgbImage resize(RgbImage img, int w, int h) {
        if (img.width() == w && img.height() == h) {
            return img;
        }
        byte[] rgb = new byte[w * h * 3];
        try (PointerScope scope = new PointerScope()) {
            Mat in = new Mat(img.height(), img.width(), CV_8UC3, new BytePointer(img.rgb()));
            Mat out = new Mat();
            boolean down = (long) w * h < (long) img.width() * img.height();
            org.bytedeco.opencv.global.opencv_imgproc.resize(in, out, new Size(w, h), 0, 0, down ? INTER_AREA : INTER_LINEAR);
            out.data().get(rgb);
        }
        return new RgbImage(w, h, rgb);
    }

    /** CHW floats (x / 255 − mean) / std. */
    public static float[] chw(RgbImage img, float[] mean, float[] std) {
        int plane = img.width() * img.height();
        float[] out = new float[3 * plane];
        byte[] px = img.rgb();
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = ((px[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
            }
        }
        return out;
    }
}
