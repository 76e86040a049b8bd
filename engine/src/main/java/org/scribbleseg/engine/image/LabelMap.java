package org.scribbleseg.engine.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense 8-bit label map: value = class index (the class's VOC index, 0 = background), {@link #VOID} = 255 =
 * unlabelled / ignore. Row-major, one byte per pixel.
 */
public final class LabelMap {
    public static final int VOID = 255;

    /** Eight pixels at once: a scribbled 3-megapixel map is almost all void, and most of it is skipped 8 at a time. */
    private static final VarHandle EIGHT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

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
        for (int i = nextLabelled(data, 0, data.length); i < data.length; i = nextLabelled(data, i + 1, data.length)) {
            n++;
        }
        return n;
    }

    /**
     * The first index in [from, to) of {@code d} whose pixel is not {@link #VOID}, or {@code to}: runs of void
     * pixels are skipped eight at a time (one 64-bit read each), so walking the labelled pixels of a sparsely
     * scribbled map costs little more than its labelled pixels.
     */
    public static int nextLabelled(byte[] d, int from, int to) {
        int i = from;
        while (true) {
            while (i + 8 <= to && (long) EIGHT.get(d, i) == -1L) {
                i += 8;
            }
            int end = Math.min(to, i + 8);
            for (; i < end; i++) {
                if (d[i] != (byte) VOID) {
                    return i;
                }
            }
            if (i >= to) {
                return to;
            }
        }
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
