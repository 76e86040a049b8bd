package org.scribbleseg.engine.image;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The largest image a project takes: decoding a 20000×20000 image needs gigabytes (several bytes per pixel in each
 * stage), so images above the limit are refused at import from their header alone, before any decoding, and left out
 * of training and prediction when they are already in a project. The limit is the project setting
 * {@value #SETTING} (megapixels), {@value #DEFAULT_MEGAPIXELS} by default; the CLI's import takes
 * {@code --max-megapixels}.
 */
public final class ImageLimits {
    /** Project setting: the pixel limit in megapixels (a decimal number). */
    public static final String SETTING = "max_megapixels";
    public static final double DEFAULT_MEGAPIXELS = 100;

    private ImageLimits() {
    }

    /** Pixels for a limit given in megapixels. */
    public static long pixels(double megapixels) {
        if (!(megapixels > 0) || Double.isInfinite(megapixels)) {
            throw new IllegalArgumentException("the pixel limit must be a positive number of megapixels, got " + megapixels);
        }
        return (long) (megapixels * 1_000_000);
    }

    /** The limit a project setting names (null or blank: the default). */
    public static long fromSetting(String setting) {
        if (setting == null || setting.isBlank()) {
            return pixels(DEFAULT_MEGAPIXELS);
        }
        try {
            return pixels(Double.parseDouble(setting.strip()));
        } catch (IllegalArgumentException e) {
            return pixels(DEFAULT_MEGAPIXELS);
        }
    }

    /** "400.0 MP". */
    public static String megapixels(long width, long height) {
        return String.format(Locale.ROOT, "%.1f MP", width * (double) height / 1e6);
    }

    /** Whether an image of this size is over {@code maxPixels}. */
    public static boolean tooLarge(long width, long height, long maxPixels) {
        return width * height > maxPixels;
    }

    /** The reason given for an image over the limit. */
    public static String reason(long width, long height, long maxPixels) {
        return "too large: " + width + "x" + height + " (" + megapixels(width, height) + ") is over the limit of "
                + String.format(Locale.ROOT, "%.1f MP", maxPixels / 1e6) + " (import --max-megapixels, or the project setting "
                + SETTING + ")";
    }

    /** Refuses bytes whose header says the image is over {@code maxPixels}, before anything is decoded. */
    static void check(Path file, byte[] bytes, long maxPixels) throws ImageDecodeException {
        long[] wh = headerSize(bytes);
        if (wh != null && tooLarge(wh[0], wh[1], maxPixels)) {
            throw new ImageDecodeException(file, ImageDecodeException.Reason.UNSUPPORTED, reason(wh[0], wh[1], maxPixels));
        }
    }

    /** Width and height from the header of a PNG, JPEG, BMP, GIF or WebP; null when not known without decoding. */
    static long[] headerSize(byte[] b) {
        String format = ImageLoader.sniff(b);
        if (format == null) {
            return null;
        }
        switch (format) {
            case "png" -> {
                return b.length >= 24 ? new long[] {u32be(b, 16), u32be(b, 20)} : null;
            }
            case "jpeg" -> {
                JpegHeader h = JpegHeader.parse(b);
                return h.width > 0 ? new long[] {h.width, h.height} : null;
            }
            case "bmp" -> {
                return b.length >= 26 ? new long[] {Math.abs((long) s32le(b, 18)), Math.abs((long) s32le(b, 22))} : null;
            }
            case "gif" -> {
                return b.length >= 10 ? new long[] {u16le(b, 6), u16le(b, 8)} : null;
            }
            case "webp" -> {
                return webpSize(b);
            }
            default -> {
                return null;
            }
        }
    }

    private static long[] webpSize(byte[] b) {
        if (b.length < 30) {
            return null;
        }
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8X" -> {
                return new long[] {1 + u24le(b, 24), 1 + u24le(b, 27)};
            }
            case "VP8L" -> {
                long bits = u32le(b, 21);
                return new long[] {1 + (bits & 0x3fff), 1 + ((bits >> 14) & 0x3fff)};
            }
            case "VP8 " -> {
                return new long[] {u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff};
            }
            default -> {
                return null;
            }
        }
    }

    private static long u32be(byte[] b, int o) {
        return ((b[o] & 0xffL) << 24) | ((b[o + 1] & 0xffL) << 16) | ((b[o + 2] & 0xffL) << 8) | (b[o + 3] & 0xffL);
    }

    private static long u32le(byte[] b, int o) {
        return ((b[o + 3] & 0xffL) << 24) | ((b[o + 2] & 0xffL) << 16) | ((b[o + 1] & 0xffL) << 8) | (b[o] & 0xffL);
    }

    private static int s32le(byte[] b, int o) {
        return (int) u32le(b, o);
    }

    private static long u24le(byte[] b, int o) {
        return ((b[o + 2] & 0xffL) << 16) | ((b[o + 1] & 0xffL) << 8) | (b[o] & 0xffL);
    }

    private static long u16le(byte[] b, int o) {
        return ((b[o + 1] & 0xffL) << 8) | (b[o] & 0xffL);
    }
}
