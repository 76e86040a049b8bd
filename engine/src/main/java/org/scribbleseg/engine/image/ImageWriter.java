package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/** Encodes {@link RgbImage}s as JPEG (quality 95 by default) or PNG through OpenCV; files are written with java.nio. */
public final class ImageWriter {
    public static final int DEFAULT_JPEG_QUALITY = 95;

    private ImageWriter() {
    }

    public static byte[] encodeJpeg(RgbImage img) {
        return encodeJpeg(img, DEFAULT_JPEG_QUALITY);
    }

    public static byte[] encodeJpeg(RgbImage img, int quality) {
        return encode(img, ".jpg", IMWRITE_JPEG_QUALITY, quality);
    }

    /** PNG, 8-bit RGB, zlib level 3 (OpenCV's default). */
    public static byte[] encodePng(RgbImage img) {
        return encode(img, ".png", IMWRITE_PNG_COMPRESSION, 3);
    }

    public static void writeJpeg(RgbImage img, Path file) throws IOException {
        Files.write(file, encodeJpeg(img));
    }

    public static void writePng(RgbImage img, Path file) throws IOException {
        Files.write(file, encodePng(img));
    }

    private static byte[] encode(RgbImage img, String ext, int key, int value) {
        try (PointerScope scope = new PointerScope()) {
            Mat bgr = toBgrMat(img);
            BytePointer buf = new BytePointer();
            if (!imencode(ext, bgr, buf, new IntPointer(key, value))) {
                throw new IllegalStateException("OpenCV could not encode " + ext);
            }
            byte[] out = new byte[(int) buf.limit()];
            buf.get(out);
            return out;
        }
    }

    /** A new BGR Mat holding the image (inside the caller's PointerScope). */
    static Mat toBgrMat(RgbImage img) {
        Mat rgb = new Mat(img.height(), img.width(), CV_8UC3);
        rgb.data().put(img.rgb());
        Mat bgr = new Mat();
        cvtColor(rgb, bgr, COLOR_RGB2BGR);
        return bgr;
    }
}
