package org.scribbleseg.app;

/** The PASCAL VOC colour map (bit-interleaved), used as default class colours so the UI matches exported masks. */
public final class VocColors {
    private VocColors() {
    }

    /** 0xRRGGBB of VOC index {@code index}. */
    public static int rgb(int index) {
        int r = 0;
        int g = 0;
        int b = 0;
        int c = index;
        for (int j = 0; j < 8; j++) {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        return (r << 16) | (g << 8) | b;
    }
}
