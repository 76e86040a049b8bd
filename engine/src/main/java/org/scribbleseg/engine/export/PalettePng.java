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
import java.util.zip.CRC32;
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
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), indexOfColour);
        }
    }

    /** As {@link #read(Path)} from PNG bytes. */
    public static LabelMap read(byte[] png) throws IOException {
        return read(new ByteArrayInputStream(png), "PNG data", null);
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
