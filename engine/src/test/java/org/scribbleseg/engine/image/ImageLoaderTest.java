package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageLoaderTest {
    @TempDir
    Path dir;

    /** 6×4 BGR samples with distinct values per pixel. */
    static byte[] bgr(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            b[3 * i] = (byte) (10 + i); // B
            b[3 * i + 1] = (byte) (100 + i); // G
            b[3 * i + 2] = (byte) (200 + i % 50); // R
        }
        return b;
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static void assertRgbEqualsBgr(RgbImage img, byte[] bgr) {
        for (int i = 0; i < img.width() * img.height(); i++) {
            assertThat(img.rgb()[3 * i]).isEqualTo(bgr[3 * i + 2]);
            assertThat(img.rgb()[3 * i + 1]).isEqualTo(bgr[3 * i + 1]);
            assertThat(img.rgb()[3 * i + 2]).isEqualTo(bgr[3 * i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".png", ".tif", ".bmp", ".webp"})
    void losslessFormatsDecodeExactly(String ext) throws IOException {
        byte[] bgr = bgr(6, 4);
        int[] params = ext.equals(".webp") ? new int[] {IMWRITE_WEBP_QUALITY, 101} : new int[0];
        Path p = write("a" + ext, ImageFixtures.encode8(ext, 6, 4, 3, bgr, params));
        RgbImage img = ImageLoader.load(p);
        assertThat(img.width()).isEqualTo(6);
        assertThat(img.height()).isEqualTo(4);
        assertRgbEqualsBgr(img, bgr);
        ImageInfo info = ImageLoader.probe(p);
        assertThat(info.format()).isEqualTo(ext.equals(".tif") ? "tiff" : ext.substring(1));
        assertThat(info.width()).isEqualTo(6);
        assertThat(info.height()).isEqualTo(4);
    }

    @Test
    void jpegDecodesCloseAndProbeGivesSha(@TempDir Path d) throws Exception {
        byte[] flat = new byte[32 * 16 * 3];
        for (int i = 0; i < 32 * 16; i++) {
            flat[3 * i] = 30;
            flat[3 * i + 1] = (byte) 120;
            flat[3 * i + 2] = (byte) 220;
        }
        byte[] jpg = ImageFixtures.encode8(".jpg", 32, 16, 3, flat, IMWRITE_JPEG_QUALITY, 95);
        Path p = write("ünïcødé 画像.jpg", jpg);
        RgbImage img = ImageLoader.load(p);
        assertThat(img.width()).isEqualTo(32);
        assertThat(img.get(5, 5, 0)).isBetween(216, 224);
        assertThat(img.get(5, 5, 1)).isBetween(116, 124);
        assertThat(img.get(5, 5, 2)).isBetween(26, 34);
        ImageInfo info = ImageLoader.probe(p);
        assertThat(info.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jpg)));
        assertThat(info.format()).isEqualTo("jpeg");
        assertThat(info.orientation()).isEqualTo(1);
        assertThat(info.sizeBytes()).isEqualTo(jpg.length);
    }

    @Test
    void greyAndGreyAlphaAndSixteenBit() throws IOException {
        byte[] grey = {0, 50, 100, (byte) 255};
        RgbImage g = ImageLoader.load(write("g.png", ImageFixtures.encode8(".png", 2, 2, 1, grey)));
        assertThat(g.rgb()).containsExactly(0, 0, 0, 50, 50, 50, 100, 100, 100, -1, -1, -1);

        short[] g16 = {0, (short) 65535, (short) (257 * 100), (short) 1000};
        RgbImage h = ImageLoader.load(write("g16.png", ImageFixtures.encode16(".png", 2, 2, 1, g16)));
        assertThat(h.get(0, 0, 0)).isEqualTo(0);
        assertThat(h.get(1, 0, 1)).isEqualTo(255);
        assertThat(h.get(0, 1, 2)).isEqualTo(100);
        assertThat(h.get(1, 1, 0)).isEqualTo(Math.round(1000 / 257f));

        short[] rgba16 = {(short) 65535, 0, 0, (short) 65535, 0, (short) (257 * 200), 0, (short) 32896};
        RgbImage r16 = ImageLoader.load(write("rgba16.png", ImageFixtures.encode16(".png", 2, 1, 4, rgba16)));
        // pixel 0: B=255 opaque → RGB (0,0,255); pixel 1: G=200 at alpha 128 → round(200*128/255) = 100
        assertThat(r16.rgb()).containsExactly(0, 0, -1, 0, 100, 0);

        short[] rgb16 = {(short) (257 * 10), (short) (257 * 20), (short) (257 * 30)};
        RgbImage c16 = ImageLoader.load(write("rgb16.tif", ImageFixtures.encode16(".tif", 1, 1, 3, rgb16)));
        assertThat(c16.rgb()).containsExactly(30, 20, 10);
    }

    @Test
    void rgbaIsCompositedOnBlack() throws IOException {
        // B, G, R, A
        byte[] bgra = {10, 20, 30, (byte) 255, 10, 20, (byte) 200, 0, 0, 0, (byte) 200, (byte) 128, (byte) 255, (byte) 255, (byte) 255, 64};
        RgbImage img = ImageLoader.load(write("a.png", ImageFixtures.encode8(".png", 4, 1, 4, bgra)));
        assertThat(img.rgb()).containsExactly(30, 20, 10, 0, 0, 0, 100, 0, 0, 64, 64, 64);
        // grey + alpha PNG written by hand with javax.imageio is not needed: OpenCV reads GA PNGs as BGRA
    }

    /** A 16×8 stored image whose four 8×4 quadrants have distinct flat colours; JPEG keeps flat blocks near exact. */
    static byte[] quadrants(int w, int h) {
        int[][] colours = {{0, 0, 250}, {0, 250, 0}, {250, 0, 0}, {250, 250, 250}}; // BGR: TL red, TR green, BL blue, BR white
        byte[] b = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int q = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
                for (int c = 0; c < 3; c++) {
                    b[(y * w + x) * 3 + c] = (byte) colours[q][c];
                }
            }
        }
        return b;
    }

    /** Stored pixel that EXIF orientation o shows at display (x, y) (EXIF 2.32 / TIFF 6 semantics). */
    static int[] storedOf(int o, int x, int y, int w, int h) {
        return switch (o) {
            case 1 -> new int[] {x, y};
            case 2 -> new int[] {w - 1 - x, y};
            case 3 -> new int[] {w - 1 - x, h - 1 - y};
            case 4 -> new int[] {x, h - 1 - y};
            case 5 -> new int[] {y, x};
            case 6 -> new int[] {y, h - 1 - x};
            case 7 -> new int[] {w - 1 - y, h - 1 - x};
            case 8 -> new int[] {w - 1 - y, x};
            default -> throw new IllegalArgumentException();
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void exifOrientationIsApplied(int o) throws IOException {
        int w = 64;
        int h = 32;
        byte[] stored = quadrants(w, h);
        byte[] jpg = ImageFixtures.encode8(".jpg", w, h, 3, stored, IMWRITE_JPEG_QUALITY, 100);
        byte[] withExif = ImageFixtures.withExifOrientation(jpg, o, o % 2 == 0);
        Path p = write("o" + o + ".jpg", withExif);
        RgbImage img = ImageLoader.load(p);
        boolean swap = o >= 5;
        assertThat(img.width()).isEqualTo(swap ? h : w);
        assertThat(img.height()).isEqualTo(swap ? w : h);
        ImageInfo info = ImageLoader.probe(p);
        assertThat(info.orientation()).isEqualTo(o);
        assertThat(info.width()).isEqualTo(img.width());
        // sample the centre of each display quadrant and compare with the stored colour
        for (int qy = 0; qy < 2; qy++) {
            for (int qx = 0; qx < 2; qx++) {
                int x = img.width() / 4 + qx * img.width() / 2;
                int y = img.height() / 4 + qy * img.height() / 2;
                int[] s = storedOf(o, x, y, w, h);
                int si = (s[1] * w + s[0]) * 3;
                for (int c = 0; c < 3; c++) {
                    assertThat(img.get(x, y, c)).as("o=%d display (%d,%d) c%d", o, x, y, c)
                            .isCloseTo(stored[si + 2 - c] & 0xff, org.assertj.core.data.Offset.offset(12));
                }
            }
        }
        // and exactly what OpenCV's own EXIF handling (IMREAD_COLOR) produces
        try (PointerScope scope = new PointerScope()) {
            Mat ref = imdecode(new Mat(1, withExif.length, org.bytedeco.opencv.global.opencv_core.CV_8UC1,
                    new BytePointer(withExif)), IMREAD_COLOR);
            assertThat(ref.cols()).isEqualTo(img.width());
            byte[] refBgr = new byte[ref.cols() * ref.rows() * 3];
            ref.data().get(refBgr);
            assertRgbEqualsBgr(img, refBgr);
        }
    }

    @Test
    void corruptFilesGetSpecificReasons() throws IOException {
        byte[] jpg = ImageFixtures.encode8(".jpg", 64, 64, 3, new byte[64 * 64 * 3]);
        assertReason(write("trunc.jpg", Arrays.copyOf(jpg, jpg.length / 2)), ImageDecodeException.Reason.TRUNCATED);
        assertReason(write("head.jpg", Arrays.copyOf(jpg, 40)), ImageDecodeException.Reason.TRUNCATED);
        byte[] png = ImageFixtures.encode8(".png", 64, 64, 3, new byte[64 * 64 * 3]);
        assertReason(write("trunc.png", Arrays.copyOf(png, png.length - 20)), ImageDecodeException.Reason.TRUNCATED);
        byte[] rnd = new byte[5000];
        new Random(1).nextBytes(rnd);
        rnd[0] = 7;
        assertReason(write("random.jpg", rnd), ImageDecodeException.Reason.NOT_AN_IMAGE);
        assertReason(write("empty.png", new byte[0]), ImageDecodeException.Reason.EMPTY);
        assertReason(dir.resolve("missing.png"), ImageDecodeException.Reason.UNREADABLE);
        assertReason(dir, ImageDecodeException.Reason.UNREADABLE);
        byte[] heic = new byte[200];
        System.arraycopy(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'}, 0, heic, 0, 12);
        assertReason(write("x.heic", heic), ImageDecodeException.Reason.UNSUPPORTED);
        byte[] badPng = png.clone();
        for (int i = 60; i < png.length - 40; i++) {
            badPng[i] = (byte) (i * 31);
        }
        assertReason(write("bad.png", badPng), ImageDecodeException.Reason.CORRUPT);
    }

    static void assertReason(Path p, ImageDecodeException.Reason reason) {
        assertThatThrownBy(() -> ImageLoader.probe(p)).isInstanceOfSatisfying(ImageDecodeException.class, e -> {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            assertThat(e.getMessage()).startsWith(p.toString()).contains(reason.label());
        });
    }

    @Test
    void writerRoundTripsAndThumbnailsKeepAspect() throws IOException {
        byte[] rgb = new byte[40 * 20 * 3];
        new Random(3).nextBytes(rgb);
        RgbImage img = new RgbImage(40, 20, rgb);
        Path png = dir.resolve("w.png");
        ImageWriter.writePng(img, png);
        assertThat(ImageLoader.load(png).rgb()).isEqualTo(img.rgb());
        Path jpg = dir.resolve("w.jpg");
        ImageWriter.writeJpeg(img, jpg);
        assertThat(ImageLoader.probe(jpg).format()).isEqualTo("jpeg");
        assertThat(ImageLoader.load(jpg).width()).isEqualTo(40);

        RgbImage t = Thumbnails.make(img, 10);
        assertThat(t.width()).isEqualTo(10);
        assertThat(t.height()).isEqualTo(5);
        assertThat(Thumbnails.make(img, 64)).isSameAs(img);
        byte[] flat = new byte[40 * 20 * 3];
        Arrays.fill(flat, (byte) 77);
        assertThat(Thumbnails.make(new RgbImage(40, 20, flat), 8).get(3, 2, 1)).isEqualTo(77);
    }
}
