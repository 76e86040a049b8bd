package org.scribbleseg.engine.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.LabelMap;

class PalettePngTest {

    static LabelMap sample(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] d = new byte[w * h];
        for (int i = 0; i < d.length; i++) {
            int v = r.nextInt(6);
            d[i] = (byte) (v == 5 ? 255 : v);
        }
        return new LabelMap(w, h, d);
    }

    @Test
    void headerIsPaletteColourType3With256Entries() {
        byte[] png = PalettePng.encode(sample(7, 5, 1));
        ByteBuffer b = ByteBuffer.wrap(png);
        assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', 13, 10, 26, 10);
        assertThat(b.getInt(8)).isEqualTo(13);
        assertThat(new String(png, 12, 4)).isEqualTo("IHDR");
        assertThat(b.getInt(16)).isEqualTo(7);
        assertThat(b.getInt(20)).isEqualTo(5);
        assertThat(Arrays.copyOfRange(png, 24, 29)).containsExactly(8, 3, 0, 0, 0);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        assertThat(b.getInt(29)).isEqualTo((int) crc.getValue());
        assertThat(b.getInt(33)).isEqualTo(768);
        assertThat(new String(png, 37, 4)).isEqualTo("PLTE");
        assertThat(Arrays.copyOfRange(png, 41, 41 + 768)).isEqualTo(VocPalette.plteBytes());
        assertThat(new String(png, png.length - 8, 4)).isEqualTo("IEND");
    }

    @Test
    void readsBackIndicesAndImageIoSeesA256EntryPalette() throws IOException {
        LabelMap m = sample(33, 17, 2);
        byte[] png = PalettePng.encode(m);
        assertThat(PalettePng.read(png)).isEqualTo(m);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getColorModel()).isInstanceOf(IndexColorModel.class);
        IndexColorModel icm = (IndexColorModel) img.getColorModel();
        assertThat(icm.getMapSize()).isEqualTo(256);
        assertThat(icm.getRGB(1) & 0xffffff).isEqualTo(0x800000);
        assertThat(icm.getRGB(255) & 0xffffff).isEqualTo(0xE0E0C0);
        for (int level : new int[] {0, 1, 6, 9}) {
            assertThat(PalettePng.read(PalettePng.encode(m, level))).isEqualTo(m);
        }
    }

    @Test
    void deterministicBytes() {
        LabelMap m = sample(64, 48, 3);
        assertThat(PalettePng.encode(m)).isEqualTo(PalettePng.encode(m.copy()));
    }

    @Test
    void readsGreyAndLowBitDepthPalettePngsAsValues(@TempDir Path dir) throws IOException {
        BufferedImage grey = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 1, 0, 37);
        grey.getRaster().setSample(4, 2, 0, 255);
        Path g = dir.resolve("grey.png");
        ImageIO.write(grey, "png", g.toFile());
        LabelMap gm = PalettePng.read(g);
        assertThat(gm.get(2, 1)).isEqualTo(37);
        assertThat(gm.get(4, 2)).isEqualTo(255);
        assertThat(gm.get(0, 0)).isEqualTo(0);

        byte[] pal = VocPalette.plteBytes();
        byte[] rs = new byte[16];
        byte[] gs = new byte[16];
        byte[] bs = new byte[16];
        for (int i = 0; i < 16; i++) {
            rs[i] = pal[3 * i];
            gs[i] = pal[3 * i + 1];
            bs[i] = pal[3 * i + 2];
        }
        BufferedImage four = new BufferedImage(6, 2, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(4, 16, rs, gs, bs));
        four.getRaster().setSample(5, 1, 0, 13);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ImageIO.write(four, "png", bo);
        LabelMap fm = PalettePng.read(bo.toByteArray());
        assertThat(fm.get(5, 1)).isEqualTo(13);
        assertThat(fm.get(0, 0)).isEqualTo(0);
    }

    @Test
    void fastDecoderHandlesEveryRowFilterLikeImageIo() throws IOException {
        // javax.imageio's PNG writer picks filters per row (sub/up/average/paeth): decode those with our fast path
        LabelMap m = sample(61, 37, 9);
        for (int y = 0; y < 37; y++) {
            for (int x = 0; x < 61; x++) {
                if ((x / 7 + y / 5) % 3 == 0) {
                    m.set(x, y, (x * 3 + y) % 40);
                }
            }
        }
        BufferedImage grey = new BufferedImage(61, 37, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setDataElements(0, 0, 61, 37, m.data());
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ImageIO.write(grey, "png", bo);
        byte[] png = bo.toByteArray();
        LabelMap fast = PalettePng.decodeIndexed8(png);
        assertThat(fast).isNotNull().isEqualTo(m);
        assertThat(PalettePng.decodeIndexed8(PalettePng.encode(m, 9))).isEqualTo(m);
        // anything odd falls back (null) rather than guessing
        assertThat(PalettePng.decodeIndexed8(Arrays.copyOf(png, png.length - 30))).isNull();
        BufferedImage rgb = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream bo2 = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", bo2);
        assertThat(PalettePng.decodeIndexed8(bo2.toByteArray())).isNull();
    }

    @Test
    void rejectsRgbAndGarbage(@TempDir Path dir) throws IOException {
        BufferedImage rgb = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", bo);
        assertThatThrownBy(() -> PalettePng.read(bo.toByteArray())).hasMessageContaining("palette PNG");
        Path junk = dir.resolve("junk.png");
        Files.write(junk, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> PalettePng.read(junk)).isInstanceOf(IOException.class).hasMessageContaining("junk.png");
    }
}
