package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.transpose;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes image files through OpenCV into {@link RgbImage}s: JPEG, PNG (8/16-bit, grey, grey+alpha, RGB, RGBA),
 * TIFF, BMP, WebP (whatever this OpenCV build reads). Bytes are read with java.nio (any Unicode path works) and
 * decoded with {@code imdecode(IMREAD_UNCHANGED)}; then 16-bit is scaled to 8-bit by /257 (float images are taken
 * as 0..1), grey is expanded to RGB, alpha is composited on black, and the JPEG EXIF orientation (read by our own
 * {@link JpegHeader} parser, as IMREAD_UNCHANGED ignores it) is applied with the same transpose/flip steps OpenCV
 * uses. EXIF orientation of other formats is not applied. Native memory lives in a {@link PointerScope} per call.
 * Thread-safe (no state).
 */
public final class ImageLoader {

    private ImageLoader() {
    }

    /** Decodes the file (refused when over {@link ImageLimits#DEFAULT_MEGAPIXELS}). */
    public static RgbImage load(Path file) throws ImageDecodeException {
        return load(file, ImageLimits.pixels(ImageLimits.DEFAULT_MEGAPIXELS));
    }

    /** Decodes the file; an image over {@code maxPixels} is refused from its header, before decoding. */
    public static RgbImage load(Path file, long maxPixels) throws ImageDecodeException {
        byte[] bytes = readBytes(file);
        ImageLimits.check(file, bytes, maxPixels);
        return decode(file, bytes, false).image;
    }

    /** Decodes image bytes ({@code file} only names them in errors). */
    public static RgbImage decode(byte[] bytes, Path file) throws ImageDecodeException {
        ImageLimits.check(file, bytes, ImageLimits.pixels(ImageLimits.DEFAULT_MEGAPIXELS));
        return decode(file, bytes, false).image;
    }

    /**
     * Reads and decodes the file (so a file that probes fine also loads fine) and returns its facts: size after
     * orientation, sha256 of the bytes, format, orientation. A JPEG's whole entropy-coded data is decoded at 1/8
     * scale (IMREAD_REDUCED_COLOR_8: every coefficient is read, the inverse DCT is cheap) and its size comes from
     * its header; other formats are decoded at full size but not converted.
     */
    public static ImageInfo probe(Path file) throws ImageDecodeException {
        return probe(file, ImageLimits.pixels(ImageLimits.DEFAULT_MEGAPIXELS));
    }

    /** As {@link #probe(Path)}; an image over {@code maxPixels} is refused from its header, before decoding. */
    public static ImageInfo probe(Path file, long maxPixels) throws ImageDecodeException {
        byte[] bytes = readBytes(file);
        ImageLimits.check(file, bytes, maxPixels);
        Decoded d = decode(file, bytes, true);
        return new ImageInfo(file, sha256(bytes), d.width, d.height, d.format, d.orientation, bytes.length);
    }

    /**
     * Width and height after orientation: from the header alone for a JPEG (no decoding), else by decoding.
     */
    public static int[] orientedSize(Path file) throws ImageDecodeException {
        byte[] bytes = readBytes(file);
        if (JpegHeader.isJpeg(bytes)) {
            JpegHeader h = JpegHeader.parse(bytes);
            if (h.width > 0) {
                return new int[] {h.orientedWidth(), h.orientedHeight()};
            }
        }
        ImageLimits.check(file, bytes, ImageLimits.pixels(ImageLimits.DEFAULT_MEGAPIXELS));
        Decoded d = decode(file, bytes, true);
        return new int[] {d.width, d.height};
    }

    /** The file's bytes, or {@link ImageDecodeException} with reason UNREADABLE / EMPTY. */
    public static byte[] readBytes(Path file) throws ImageDecodeException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ImageDecodeException(file, ImageDecodeException.Reason.UNREADABLE, "a folder, not a file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNREADABLE, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNREADABLE, "permission denied", e);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | OutOfMemoryError e) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNREADABLE, String.valueOf(e.getMessage()), e);
        }
        if (bytes.length == 0) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.EMPTY, "0 bytes");
        }
        return bytes;
    }

    /** Lower-case hex sha256 of the bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The format named by the file's first bytes ("jpeg", "png", "tiff", "bmp", "webp", "gif", "heif"...), or null. */
    public static String sniff(byte[] b) {
        if (JpegHeader.isJpeg(b)) {
            return "jpeg";
        }
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "png";
        }
        if (startsWith(b, 0, 'I', 'I', 42, 0) || startsWith(b, 0, 'M', 'M', 0, 42)) {
            return "tiff";
        }
        if (startsWith(b, 0, 'B', 'M') && b.length >= 14) {
            return "bmp";
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return "webp";
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8')) {
            return "gif";
        }
        if (startsWith(b, 4, 'f', 't', 'y', 'p')) {
            if (startsWith(b, 8, 'a', 'v', 'i', 'f') || startsWith(b, 8, 'a', 'v', 'i', 's')) {
                return "avif";
            }
            return "heif";
        }
        if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 0, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ')) {
            return "jpeg-xl";
        }
        if (startsWith(b, 0, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ')) {
            return "jpeg2000";
        }
        if (b.length >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') {
            return "pnm";
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int off, int... sig) {
        if (b.length < off + sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if ((b[off + i] & 0xff) != sig[i]) {
                return false;
            }
        }
        return true;
    }

    private static final class Decoded {
        /** Null when only probed. */
        final RgbImage image;
        final int width;
        final int height;
        final String format;
        final int orientation;

        Decoded(RgbImage image, int width, int height, String format, int orientation) {
            this.image = image;
            this.width = width;
            this.height = height;
            this.format = format;
            this.orientation = orientation;
        }
    }

    private static Decoded decode(Path file, byte[] bytes, boolean probeOnly) throws ImageDecodeException {
        try {
            return decodeBytes(file, bytes, probeOnly);
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNSUPPORTED,
                    "too large to decode in the memory available", e);
        }
    }

    private static Decoded decodeBytes(Path file, byte[] bytes, boolean probeOnly) throws ImageDecodeException {
        if (bytes.length == 0) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.EMPTY, "0 bytes");
        }
        String format = sniff(bytes);
        int orientation = 1;
        JpegHeader jh = null;
        if ("jpeg".equals(format)) {
            jh = JpegHeader.parse(bytes);
            orientation = jh.orientation;
            if (!JpegHeader.hasEndMarker(bytes, jh.sosOffset)) {
                throw new ImageDecodeException(file, ImageDecodeException.Reason.TRUNCATED,
                        jh.sosOffset < 0 ? "JPEG data ends before the image data" : "no JPEG end-of-image marker");
            }
        } else if ("png".equals(format) && !pngHasIend(bytes)) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.TRUNCATED, "no PNG IEND chunk");
        }
        try (PointerScope scope = new PointerScope()) {
            Mat buf = new Mat(1, bytes.length, CV_8UC1, new BytePointer(bytes));
            boolean reduced = probeOnly && jh != null && jh.width > 0;
            Mat m;
            try {
                m = imdecode(buf, reduced ? IMREAD_REDUCED_COLOR_8 | IMREAD_IGNORE_ORIENTATION : IMREAD_UNCHANGED);
            } catch (RuntimeException e) {
                throw failure(file, format, e.getMessage(), e);
            }
            if (m == null || m.empty()) {
                throw failure(file, format, null, null);
            }
            String fmt = format == null ? "other" : format;
            if (reduced) {
                return new Decoded(null, jh.orientedWidth(), jh.orientedHeight(), fmt, orientation);
            }
            Mat m8 = to8Bit(file, m);
            if (probeOnly) {
                boolean swap = JpegHeader.swapsAxes(orientation);
                return new Decoded(null, swap ? m8.rows() : m8.cols(), swap ? m8.cols() : m8.rows(), fmt, orientation);
            }
            RgbImage img = toRgb(orient(m8, orientation));
            return new Decoded(img, img.width(), img.height(), fmt, orientation);
        }
    }

    private static ImageDecodeException failure(Path file, String format, String detail, Throwable cause) {
        if (format == null) {
            return new ImageDecodeException(file, ImageDecodeException.Reason.NOT_AN_IMAGE,
                    "no known image format starts with these bytes", cause);
        }
        switch (format) {
            case "jpeg", "png", "tiff", "bmp", "webp", "pnm" -> {
                return new ImageDecodeException(file, ImageDecodeException.Reason.CORRUPT,
                        "damaged " + format.toUpperCase() + " data" + (detail == null ? "" : ": " + detail), cause);
            }
            default -> {
                return new ImageDecodeException(file, ImageDecodeException.Reason.UNSUPPORTED,
                        format.toUpperCase() + " images cannot be read; convert to JPEG or PNG", cause);
            }
        }
    }

    private static boolean pngHasIend(byte[] b) {
        // IEND is the last chunk; tolerate trailing bytes after it
        for (int i = b.length - 8; i >= 8 && i >= b.length - 4096; i--) {
            if (b[i] == 'I' && b[i + 1] == 'E' && b[i + 2] == 'N' && b[i + 3] == 'D') {
                return true;
            }
        }
        return false;
    }

    private static Mat to8Bit(Path file, Mat m) throws ImageDecodeException {
        int depth = m.depth();
        if (depth == CV_8U) {
            return m;
        }
        Mat out = new Mat();
        if (depth == CV_16U) {
            m.convertTo(out, CV_8U, 1.0 / 257.0, 0);
        } else if (depth == CV_32F) {
            m.convertTo(out, CV_8U, 255.0, 0);
        } else {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNSUPPORTED,
                    "pixel type with OpenCV depth " + depth + " is not converted; use 8- or 16-bit images");
        }
        return out;
    }

    /** Applies EXIF orientation 1..8 exactly as OpenCV's applyExifOrientation does. */
    static Mat orient(Mat m, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return m;
        }
        Mat out = new Mat();
        switch (orientation) {
            case 2 -> flip(m, out, 1);
            case 3 -> flip(m, out, -1);
            case 4 -> flip(m, out, 0);
            case 5 -> transpose(m, out);
            default -> {
                Mat t = new Mat();
                transpose(m, t);
                flip(t, out, orientation == 6 ? 1 : orientation == 7 ? -1 : 0);
            }
        }
        return out;
    }

    /** 8-bit Mat with 1..4 channels (OpenCV order: BGR, BGRA) → RGB, alpha composited on black. */
    private static RgbImage toRgb(Mat m) {
        Mat c = m.isContinuous() ? m : m.clone();
        int w = c.cols();
        int h = c.rows();
        int ch = c.channels();
        byte[] src = new byte[w * h * ch];
        c.data().get(src);
        int n = w * h;
        byte[] rgb = new byte[n * 3];
        switch (ch) {
            case 1 -> {
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    byte v = src[i];
                    rgb[o] = v;
                    rgb[o + 1] = v;
                    rgb[o + 2] = v;
                }
            }
            case 2 -> {
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    byte v = (byte) over(src[2 * i] & 0xff, src[2 * i + 1] & 0xff);
                    rgb[o] = v;
                    rgb[o + 1] = v;
                    rgb[o + 2] = v;
                }
            }
            case 3 -> {
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    rgb[o] = src[o + 2];
                    rgb[o + 1] = src[o + 1];
                    rgb[o + 2] = src[o];
                }
            }
            case 4 -> {
                for (int i = 0, o = 0; i < n; i++, o += 3) {
                    int s = 4 * i;
                    int a = src[s + 3] & 0xff;
                    rgb[o] = (byte) over(src[s + 2] & 0xff, a);
                    rgb[o + 1] = (byte) over(src[s + 1] & 0xff, a);
                    rgb[o + 2] = (byte) over(src[s] & 0xff, a);
                }
            }
            default -> throw new IllegalStateException("unexpected channel count " + ch);
        }
        return new RgbImage(w, h, rgb);
    }

    /** c composited over black with alpha a: round(c·a/255). */
    private static int over(int c, int a) {
        return (c * a + 127) / 255;
    }
}
