package org.scribbleseg.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Label maps as 8-bit greyscale PNG bytes (pixel value = label value), the form masks take inside project.db. */
public final class MaskCodec {
    private MaskCodec() {
    }

    public static byte[] encode(LabelMap map) {
        BufferedImage img = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        System.arraycopy(map.data(), 0, dst, 0, dst.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, map.data().length / 16));
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static LabelMap decode(byte[] png) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new IllegalArgumentException("stored mask is not a readable PNG: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IllegalArgumentException("stored mask is not a PNG");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] data = new byte[w * h];
        img.getRaster().getDataElements(0, 0, w, h, data);
        return new LabelMap(w, h, data);
    }
}
