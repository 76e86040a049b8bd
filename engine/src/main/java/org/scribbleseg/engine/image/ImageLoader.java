package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes image files through OpenCV into {@link RgbImage}. (Placeholder-free minimal version: 8-bit colour
 * decoding with EXIF orientation applied by OpenCV; the full loader with 16-bit/alpha handling replaces it.)
 */
public final class ImageLoader {
    private ImageLoader() {
    }

    public static RgbImage load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty file");
        }
        try (BytePointer bp = new BytePointer(bytes); Mat buf = new Mat(1, bytes.length, org.bytedeco.opencv.global.opencv_core.CV_8UC1, bp);
                Mat bgr = imdecode(buf, IMREAD_COLOR); Mat rgb = new Mat()) {
            if (bgr == null || bgr.empty()) {
                throw new IllegalArgumentException("not a decodable image");
            }
            cvtColor(bgr, rgb, COLOR_BGR2RGB);
            byte[] out = new byte[rgb.cols() * rgb.rows() * 3];
            rgb.data().get(out);
            return new RgbImage(rgb.cols(), rgb.rows(), out);
        }
    }
}
