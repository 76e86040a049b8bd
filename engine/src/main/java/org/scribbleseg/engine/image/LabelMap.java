package org.scribbleseg.engine.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense 8-bit label map: value = class index (the class's VOC index, 0 = background), {@link #VOID} = 255 =
 * unlabelled / ignore. Row-major, one byte per pixel.
 */
public final class LabelMap {
    public static final int VOID = 255;

    private final int width;
    private final int height;
    private final byte[] data;

    public LabelMap(int width, int height, byte[] data) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("label map size must be positive: " + width + "x" + height);
        }
        Objects.requireNonNull(data, "data");
        if (data.length != width * height) {
            throw new IllegalArgumentException("label map has " + data.length + " bytes, expected " + (width * height));
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** A map of the given size with every pixel {@link #VOID}. */
    public static LabelMap unlabelled(int width, int height) {
        byte[] d = new byte[width * height];
        Arrays.fill(d, (byte) VOID);
        return new LabelMap(width, height, d);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The backing array (not a copy): row-major, one byte per pixel. */
    public byte[] data() {
        return data;
    }

    public int get(int x, int y) {
        return data[y * width + x] & 0xff;
    }

    public void set(int x, int y, int value) {
        data[y * width + x] = (byte) value;
    }

    public LabelMap copy() {
        return new LabelMap(width, height, data.clone());
    }

    /** Number of pixels that are not {@link #VOID}. */
    public long labelledCount() {
        long n = 0;
        for (byte b : data) {
            if ((b & 0xff) != VOID) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMap m && m.width == width && m.height == height && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "LabelMap[" + width + "x" + height + ", labelled=" + labelledCount() + "]";
    }
}
