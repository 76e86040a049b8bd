package org.scribbleseg.engine.image;

import java.util.Objects;

/**
 * An 8-bit RGB image in memory: {@code rgb} holds {@code width * height * 3} bytes, row-major, interleaved R, G, B.
 * EXIF orientation is already applied; grey images are expanded to RGB, alpha is composited on black,
 * 16-bit images are scaled to 8 bits.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + (width * height * 3));
        }
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y) as 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }
}
