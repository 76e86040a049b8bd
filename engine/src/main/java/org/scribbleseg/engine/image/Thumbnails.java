package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** Downscaled copies of images for lists and overlays. */
public final class Thumbnails {
    private Thumbnails() {
    }

    /**
     * The image scaled (area averaging) so its longer side is {@code maxSide}, keeping the aspect ratio (each side at
     * least 1 pixel); an image already within {@code maxSide} is returned as it is.
     */
    public static RgbImage make(RgbImage img, int maxSide) {
        if (maxSide <= 0) {
            throw new IllegalArgumentException("maxSide must be positive: " + maxSide);
        }
        int w = img.width();
        int h = img.height();
        if (Math.max(w, h) <= maxSide) {
            return img;
        }
        double s = (double) maxSide / Math.max(w, h);
        int tw = Math.max(1, (int) Math.round(w * s));
        int th = Math.max(1, (int) Math.round(h * s));
        try (PointerScope scope = new PointerScope()) {
            Mat src = new Mat(h, w, CV_8UC3);
            src.data().put(img.rgb());
            Mat dst = new Mat();
            resize(src, dst, new Size(tw, th), 0, 0, INTER_AREA);
            byte[] out = new byte[tw * th * 3];
            dst.data().get(out);
            return new RgbImage(tw, th, out);
        }
    }
}
