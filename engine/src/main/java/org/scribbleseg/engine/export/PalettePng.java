package org.scribbleseg.engine.export;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntUnaryOperator;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.scribbleseg.engine.image.LabelMap;

/**
 * 8-bit palette PNGs (colour type 3) holding label maps: our own small encoder (IHDR, PLTE with the 256 VOC colours,
 * one IDAT, IEND; filter type 0 on every row), so the bytes are the same on every run and every machine for a given
 * map and compression level. The reader returns index values, never colours: palette PNGs of any bit depth
 * (1/2/4/8) and 8-bit grey PNGs (values taken as they are, as some VOC-like datasets store them).
 */
public final class PalettePng {
    /** The compression level used by default: level 1 is several times faster than 6 on label maps, a little larger. */
    public static final int DEFAULT_LEVEL = 1;

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PalettePng() {
    }

    /** Encodes the map with the VOC palette at {@link #DEFAULT_LEVEL}. */
    public static byte[] encode(LabelMap map) {
        return encode(map, DEFAULT_LEVEL);
    }

    /** Encodes the map with the VOC palette; {@code level} 0..9 as {@link Deflater}. */
    public static byte[] encode(LabelMap map, int level) {
        int w = map.width();
        int h = map.height();
        byte[] data = map.data();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, w * h / 16));
        out.writeBytes(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 3; // colour type: palette
        // compression 0, filter method 0, interlace 0
        chunk(out, "IHDR", ihdr, ihdr.length);
        byte[] plte = VocPalette.plteBytes();
        chunk(out, "PLTE", plte, plte.length);

        Deflater deflater = new Deflater(level);
        try {
            byte[] row = new byte[w + 1]; // filter byte 0, then the row
            byte[] buf = new byte[64 * 1024];
            ByteArrayOutputStream idat = new ByteArrayOutputStream(Math.max(1024, w * h / 16));
            for (int y = 0; y < h; y++) {
                System.arraycopy(data, y * w, row, 1, w);
                deflater.setInput(row);
                while (!deflater.needsInput()) {
                    int n = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                    idat.write(buf, 0, n);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                idat.write(buf, 0, n);
            }
            byte[] z = idat.toByteArray();
            chunk(out, "IDAT", z, z.length);
        } finally {
            deflater.end();
        }
        chunk(out, "IEND", new byte[0], 0);
        return out.toByteArray();
    }

    /** Writes {@link #encode(LabelMap)} to {@code file}. */
    public static void write(LabelMap map, Path file) throws IOException {
        Files.write(file, encode(map));
    }

    /** Reads the index values of a palette PNG (or the values of an 8-bit grey PNG). */
    public static LabelMap read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * As {@link #read(Path)}, and also accepts colour masks (RGB/RGBA PNGs, as CVAT and Datumaro write them) when
     * {@code indexOfColour} is given: it maps 0xRRGGBB to a label value, or to -1 for a colour that means nothing
     * (an error naming the colour and the first pixel that has it).
     */
    public static LabelMap read(Path file, IntUnaryOperator indexOfColour) throws IOException {
        byte[] png = Files.readAllBytes(file);
        LabelMap fast = decodeIndexed8(png);
        return fast != null ? fast : read(new ByteArrayInputStream(png), file.toString(), indexOfColour);
    }

    /** As {@link #read(Path)} from PNG bytes. */
    public static LabelMap read(byte[] png) throws IOException {
        LabelMap fast = decodeIndexed8(png);
        return fast != null ? fast : read(new ByteArrayInputStream(png), "PNG data", null);
    }

    /**
     * The fast path for the common case (what we write, and most VOC masks): an 8-bit palette or grey,
     * non-interlaced PNG, decoded here (inflate + the five row filters); null for anything else or anything odd,
     * which then goes through javax.imageio (and its error messages).
     */
    static LabelMap decodeIndexed8(byte[] b) {
        if (b.length < 8 + 25 || !Arrays.equals(b, 0, 8, SIGNATURE, 0, 8)) {
            return null;
        }
        int p = 8;
        int w = -1;
        int h = -1;
        ByteArrayOutputStream z = null;
        boolean end = false;
        while (p + 12 <= b.length) {
            int len = getInt(b, p);
            if (len < 0 || p + 12L + len > b.length) {
                return null;
            }
            int t = p + 4;
            if (b[t] == 'I' && b[t + 1] == 'H' && b[t + 2] == 'D' && b[t + 3] == 'R') {
                if (len != 13) {
                    return null;
                }
                w = getInt(b, p + 8);
                h = getInt(b, p + 12);
                int depth = b[p + 16];
                int type = b[p + 17];
                if (depth != 8 || (type != 3 && type != 0) || b[p + 18] != 0 || b[p + 19] != 0 || b[p + 20] != 0
                        || w <= 0 || h <= 0 || (long) w * h > Integer.MAX_VALUE - h) {
                    return null;
                }
                z = new ByteArrayOutputStream(Math.max(64, len));
            } else if (b[t] == 'I' && b[t + 1] == 'D' && b[t + 2] == 'A' && b[t + 3] == 'T') {
                if (z == null) {
                    return null;
                }
                z.write(b, p + 8, len);
            } else if (b[t] == 'I' && b[t + 1] == 'E' && b[t + 2] == 'N' && b[t + 3] == 'D') {
                end = true;
                break;
            }
            p += 12 + len;
        }
        if (!end || z == null) {
            return null;
        }
        int stride = w + 1;
        byte[] raw = new byte[stride * h];
        Inflater inf = new Inflater();
        try {
            inf.setInput(z.toByteArray());
            int n = 0;
            while (n < raw.length) {
                int k = inf.inflate(raw, n, raw.length - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    return null;
                }
                n += k;
            }
        } catch (DataFormatException e) {
            return null;
        } finally {
            inf.end();
        }
        byte[] out = new byte[w * h];
        for (int y = 0; y < h; y++) {
            int f = raw[y * stride];
            int s = y * stride + 1;
            int o = y * w;
            int up = o - w; // previous output row
            switch (f) {
                case 0 -> System.arraycopy(raw, s, out, o, w);
                case 1 -> {
                    int left = 0;
                    for (int x = 0; x < w; x++) {
                        left = (raw[s + x] + left) & 0xff;
                        out[o + x] = (byte) left;
                    }
                }
                case 2 -> {
                    for (int x = 0; x < w; x++) {
                        out[o + x] = (byte) (raw[s + x] + (y > 0 ? out[up + x] : 0));
                    }
                }
                case 3 -> {
                    for (int x = 0; x < w; x++) {
                        int a = x > 0 ? out[o + x - 1] & 0xff : 0;
                        int bb = y > 0 ? out[up + x] & 0xff : 0;
                        out[o + x] = (byte) (raw[s + x] + ((a + bb) >> 1));
                    }
                }
                case 4 -> {
                    for (int x = 0; x < w; x++) {
                        int a = x > 0 ? out[o + x - 1] & 0xff : 0;
                        int bb = y > 0 ? out[up + x] & 0xff : 0;
                        int c = x > 0 && y > 0 ? out[up + x - 1] & 0xff : 0;
                        int pa = Math.abs(bb - c);
                        int pb = Math.abs(a - c);
                        int pc = Math.abs(a + bb - 2 * c);
                        int pred = pa <= pb && pa <= pc ? a : pb <= pc ? bb : c;
                        out[o + x] = (byte) (raw[s + x] + pred);
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        return new LabelMap(w, h, out);
    }

    private static int getInt(byte[] b, int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    private static LabelMap read(InputStream in, String what, IntUnaryOperator indexOfColour) throws IOException {
        BufferedImage img;
        // an in-memory stream: ImageIO.read(InputStream) would spill to a temporary cache file on every read
        // (ImageIO.read closes the ImageInputStream itself)
        try {
            ImageInputStream iis = new MemoryCacheImageInputStream(in);
            img = ImageIO.read(iis);
        } catch (IOException | RuntimeException e) {
            throw new IOException(what + ": not a readable PNG (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new IOException(what + ": not a PNG image");
        }
        Raster r = img.getRaster();
        boolean indexed = img.getColorModel() instanceof IndexColorModel;
        boolean grey8 = img.getColorModel() instanceof ComponentColorModel && r.getNumBands() == 1
                && img.getColorModel().getComponentSize(0) == 8;
        if (!indexed && !grey8 && indexOfColour != null && r.getNumBands() >= 3) {
            return mapColours(img, what, indexOfColour);
        }
        if (!indexed && !grey8) {
            throw new IOException(what + ": a label mask must be a palette PNG or an 8-bit grey PNG, this one has "
                    + r.getNumBands() + " channel(s) of " + img.getColorModel().getComponentSize(0) + " bits");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h];
        int[] rowBuf = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, rowBuf);
            int o = y * w;
            for (int x = 0; x < w; x++) {
                out[o + x] = (byte) rowBuf[x];
            }
        }
        return new LabelMap(w, h, out);
    }

    private static LabelMap mapColours(BufferedImage img, String what, IntUnaryOperator indexOfColour) throws IOException {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h];
        int[] row = new int[w];
        int lastRgb = -1;
        int lastIdx = -1;
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int rgb = row[x] & 0xffffff;
                if (rgb != lastRgb) {
                    lastIdx = indexOfColour.applyAsInt(rgb);
                    lastRgb = rgb;
                    if (lastIdx < 0 || lastIdx > 255) {
                        throw new IOException(what + ": colour " + ((rgb >> 16) & 0xff) + "," + ((rgb >> 8) & 0xff) + ","
                                + (rgb & 0xff) + " at pixel (" + x + ", " + y + ") is no class colour");
                    }
                }
                out[y * w + x] = (byte) lastIdx;
            }
        }
        return new LabelMap(w, h, out);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int len) {
        byte[] head = new byte[8];
        putInt(head, 0, len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        out.write(head, 0, 8);
        out.write(data, 0, len);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, len);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.write(c, 0, 4);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
