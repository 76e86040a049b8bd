package org.scribbleseg.engine.nn;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.scribbleseg.engine.image.RgbImage;

/**
 * ViT input preparation: resize (aspect kept) so the long side is about {@code longSide} and both sides are
 * multiples of the patch size, then per-channel (x / 255 - mean) / std into a CHW float array.
 * Downscaling uses OpenCV INTER_AREA, upscaling INTER_LINEAR.
 */
public final class VitPreprocess {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private VitPreprocess() {
    }

    /** A prepared input: CHW floats of {@code height x width}. */
    public record Input(int width, int height, float[] chw) {
    }

    /** Target size (width, height) for an image: long side ≈ longSide, each side a positive multiple of patch. */
    public static int[] targetSize(int width, int height, int longSide, int patch) {
        double scale = (double) longSide / Math.max(width, height);
        int w = Math.max(1, (int) Math.round(width * scale / patch)) * patch;
        int h = Math.max(1, (int) Math.round(height * scale / patch)) * patch;
        return new int[] {w, h};
    }

    public static Input prepare(RgbImage img, int longSide, int patch, float[] mean, float[] std) {
        int[] t = targetSize(img.width(), img.height(), longSide, patch);
        int w = t[0];
        int h = t[1];
        byte[] rgb;
        if (w == img.width() && h == img.height()) {
            rgb = img.rgb();
        } else {
            rgb = new byte[w * h * 3];
            try (PointerScope scope = new PointerScope()) {
                BytePointer src = new BytePointer(img.rgb());
                Mat in = new Mat(img.height(), img.width(), CV_8UC3, src);
                Mat out = new Mat();
                boolean down = (long) w * h < (long) img.width() * img.height();
                resize(in, out, new Size(w, h), 0, 0, down ? INTER_AREA : INTER_LINEAR);
                out.data().get(rgb);
            }
        }
        int plane = w * h;
        float[] chw = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + i] = ((rgb[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
            }
        }
        return new Input(w, h, chw);
    }
}
