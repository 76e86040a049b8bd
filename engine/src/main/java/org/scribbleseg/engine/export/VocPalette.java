package org.scribbleseg.engine.export;

/**
 * The standard PASCAL VOC colour map for all 256 indices (specs/voc.md): for index i, take the bits of i three at a
 * time; r |= bit0 &lt;&lt; (7 − j), g |= bit1 &lt;&lt; (7 − j), b |= bit2 &lt;&lt; (7 − j) for j = 0..7, shifting i right by 3
 * each step. 0 = (0,0,0), 1 = (128,0,0), 2 = (0,128,0), 255 = (224,224,192).
 */
public final class VocPalette {
    private static final byte[] PLTE = build();

    private VocPalette() {
    }

    /** Colour of index {@code i} (0..255) as 0xRRGGBB. */
    public static int rgb(int i) {
        if (i < 0 || i > 255) {
            throw new IllegalArgumentException("palette index out of range: " + i);
        }
        return (PLTE[3 * i] & 0xff) << 16 | (PLTE[3 * i + 1] & 0xff) << 8 | (PLTE[3 * i + 2] & 0xff);
    }

    /** The 768 bytes R, G, B for indices 0..255 (a copy), as written in a PNG PLTE chunk. */
    public static byte[] plteBytes() {
        return PLTE.clone();
    }

    private static byte[] build() {
        byte[] p = new byte[768];
        for (int i = 0; i < 256; i++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = i;
            for (int j = 0; j < 8; j++) {
                r |= (c & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            p[3 * i] = (byte) r;
            p[3 * i + 1] = (byte) g;
            p[3 * i + 2] = (byte) b;
        }
        return p;
    }
}
