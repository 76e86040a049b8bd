package org.scribbleseg.engine.image;

/**
 * The few facts we need from a JPEG without decoding it: stored size (from the SOF segment), EXIF orientation (tag
 * 0x0112 of IFD0 in the "Exif" APP1 segment; 1 when absent or unreadable), the offset of the first SOS marker and
 * whether an end-of-image marker follows it. Never throws on odd data: fields stay at their "unknown" values.
 */
public final class JpegHeader {
    /** Stored width/height (before orientation); 0 when no SOF was found. */
    public final int width;
    public final int height;
    /** EXIF orientation 1..8. */
    public final int orientation;
    /** Offset of the first start-of-scan marker, or -1. */
    public final int sosOffset;
    /** Colour components in the frame (1 grey, 3 YCbCr/RGB, 4 CMYK); 0 when unknown. */
    public final int components;

    private JpegHeader(int width, int height, int orientation, int sosOffset, int components) {
        this.width = width;
        this.height = height;
        this.orientation = orientation;
        this.sosOffset = sosOffset;
        this.components = components;
    }

    public static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }

    /** Whether the rotation/flip swaps width and height (orientations 5..8). */
    public static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /** Width after orientation. */
    public int orientedWidth() {
        return swapsAxes(orientation) ? height : width;
    }

    /** Height after orientation. */
    public int orientedHeight() {
        return swapsAxes(orientation) ? width : height;
    }

    /** Whether an end-of-image marker (FF D9) lies after the first scan (a complete file). */
    public static boolean hasEndMarker(byte[] b, int sosOffset) {
        if (sosOffset < 0) {
            return false;
        }
        for (int i = b.length - 2; i > sosOffset; i--) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    public static JpegHeader parse(byte[] b) {
        int w = 0;
        int h = 0;
        int orientation = 1;
        int sos = -1;
        int comps = 0;
        if (!isJpeg(b)) {
            return new JpegHeader(0, 0, 1, -1, 0);
        }
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xff) != 0xFF) {
                break;
            }
            int marker = b[p + 1] & 0xff;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            if (marker == 0xDA) {
                sos = p;
                break;
            }
            if (marker == 0xD9) {
                break;
            }
            int len = u16be(b, p + 2);
            if (len < 2 || p + 2 + len > b.length) {
                break;
            }
            int seg = p + 4;
            int segEnd = p + 2 + len;
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && seg + 6 <= segEnd && w == 0) {
                h = u16be(b, seg + 1);
                w = u16be(b, seg + 3);
                comps = b[seg + 5] & 0xff;
            } else if (marker == 0xE1 && segEnd - seg >= 14 && b[seg] == 'E' && b[seg + 1] == 'x' && b[seg + 2] == 'i'
                    && b[seg + 3] == 'f' && b[seg + 4] == 0 && b[seg + 5] == 0 && orientation == 1) {
                orientation = exifOrientation(b, seg + 6, segEnd);
            }
            p = segEnd;
        }
        return new JpegHeader(w, h, orientation, sos, comps);
    }

    /** Orientation tag of IFD0 of the TIFF structure at [tiff, end); 1 when absent or invalid. */
    static int exifOrientation(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) {
            return 1;
        }
        boolean le;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            le = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            le = false;
        } else {
            return 1;
        }
        if (u16(b, tiff + 2, le) != 42) {
            return 1;
        }
        long ifd = u32(b, tiff + 4, le);
        if (ifd < 8 || tiff + ifd + 2 > end) {
            return 1;
        }
        int q = (int) (tiff + ifd);
        int n = u16(b, q, le);
        q += 2;
        for (int i = 0; i < n && q + 12 <= end; i++, q += 12) {
            int tag = u16(b, q, le);
            if (tag == 0x0112) {
                int type = u16(b, q + 2, le);
                int v = type == 3 ? u16(b, q + 8, le) : type == 4 ? (int) u32(b, q + 8, le) : 1;
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16be(byte[] b, int p) {
        return (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    private static int u16(byte[] b, int p, boolean le) {
        return le ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 : u16be(b, p);
    }

    private static long u32(byte[] b, int p, boolean le) {
        long v = le ? (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
                : (b[p] & 0xffL) << 24 | (b[p + 1] & 0xffL) << 16 | (b[p + 2] & 0xffL) << 8 | (b[p + 3] & 0xffL);
        return v;
    }
}
