package org.scribbleseg.engine.image;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.io.ByteArrayOutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Test images written with OpenCV's own encoders, and EXIF segments written by hand. */
public final class ImageFixtures {
    private ImageFixtures() {
    }

    /** Encodes 8-bit samples (OpenCV channel order: B, G, R, A) with OpenCV; params as imencode's. */
    public static byte[] encode8(String ext, int w, int h, int channels, byte[] samples, int... params) {
        try (PointerScope scope = new PointerScope()) {
            Mat m = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_8UC(channels), new BytePointer(samples));
            return encode(ext, m, params);
        }
    }

    /** Encodes 16-bit samples with OpenCV. */
    public static byte[] encode16(String ext, int w, int h, int channels, short[] samples, int... params) {
        try (PointerScope scope = new PointerScope()) {
            Mat m = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_16UC(channels), new ShortPointer(samples));
            return encode(ext, m, params);
        }
    }

    private static byte[] encode(String ext, Mat m, int... params) {
        BytePointer buf = new BytePointer();
        boolean ok = params.length == 0 ? imencode(ext, m, buf) : imencode(ext, m, buf, new IntPointer(params));
        if (!ok) {
            throw new IllegalStateException("imencode " + ext + " failed");
        }
        byte[] out = new byte[(int) buf.limit()];
        buf.get(out);
        return out;
    }

    /** The JPEG with an "Exif" APP1 segment (orientation tag only) inserted right after SOI. */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        if (littleEndian) {
            tiff.writeBytes(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0});
            tiff.writeBytes(new byte[] {1, 0}); // one entry
            tiff.writeBytes(new byte[] {0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0});
            tiff.writeBytes(new byte[] {0, 0, 0, 0}); // no next IFD
        } else {
            tiff.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8});
            tiff.writeBytes(new byte[] {0, 1});
            tiff.writeBytes(new byte[] {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0});
            tiff.writeBytes(new byte[] {0, 0, 0, 0});
        }
        byte[] t = tiff.toByteArray();
        int len = 2 + 6 + t.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(t);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
