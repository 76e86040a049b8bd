package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** Downscaled copies of images for lists and overlays, and their disk cache. */
public final class Thumbnails {
    /** Every PNG ends with this chunk (length 0, "IEND", CRC): a file without it was cut short. */
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    private Thumbnails() {
    }

    /** Where the thumbnail of the image with this content hash, at this size, is kept in a cache folder. */
    public static Path cacheFile(Path cacheDir, String sha256, int maxSide) {
        return cacheDir.resolve("thumbnails").resolve(sha256 + "-" + maxSide + ".png");
    }

    /**
     * The thumbnail (longer side {@code maxSide}) of the image with content hash {@code sha256}: read from
     * {@link #cacheFile} when a whole, decodable PNG is there, else made from {@code source} (decode + downscale), then
     * written there atomically (temp file + move) for the next time. A truncated or corrupt file is replaced; a cache
     * that cannot be written only costs the next call a decode.
     */
    public static RgbImage cached(Path cacheDir, String sha256, int maxSide, Supplier<RgbImage> source) {
        Path file = cacheFile(cacheDir, sha256, maxSide);
        RgbImage hit = read(file, maxSide);
        if (hit != null) {
            return hit;
        }
        RgbImage thumb = make(source.get(), maxSide);
        try {
            org.scribbleseg.engine.util.AtomicFiles.write(file, ImageWriter.encodePng(thumb));
        } catch (IOException | RuntimeException ignored) {
            // a read-only or full disk: the thumbnail is still returned
        }
        return thumb;
    }

    private static RgbImage read(Path file, int maxSide) {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length < IEND.length || !Arrays.equals(b, b.length - IEND.length, b.length, IEND, 0, IEND.length)) {
                return null;
            }
            RgbImage img = ImageLoader.decode(b, file);
            return Math.max(img.width(), img.height()) <= maxSide ? img : null;
        } catch (IOException | RuntimeException e) {
            return null; // missing, unreadable or not a PNG: made again
        }
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
