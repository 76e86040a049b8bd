package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.LabeledImage;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.eval.VocDataset;
import picocli.CommandLine;

class BenchEffortCommandTest {

    static String[] run(Object cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertThat(code).as(err.toString()).isZero();
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void syntheticCurveAsJson() throws Exception {
        String[] r = run(new BenchEffortCommand(), "--scenes", "2", "--val", "2", "--steps", "2", "--size", "96",
                "--classes", "3", "--json");
        JsonNode steps = new ObjectMapper().readTree(r[0]);
        assertThat(steps.size()).isEqualTo(2);
        assertThat(steps.get(0).get("step").asInt()).isEqualTo(1);
        assertThat(steps.get(1).get("strokes").asInt()).isGreaterThanOrEqualTo(steps.get(0).get("strokes").asInt());
        for (JsonNode s : steps) {
            assertThat(s.get("miou").asDouble()).isBetween(0.3, 1.0); // far above chance on 3 textured classes
            assertThat(s.get("loop_ms").asDouble()).isPositive();
        }
    }

    @Test
    void rejectsUnknownBackboneAndStrategy() {
        CommandLine cl = new CommandLine(new BenchEffortCommand());
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("--backbone", "dinov2-small")).isEqualTo(2);
        assertThat(cl.execute("--strategy", "lasso")).isEqualTo(2);
    }

    /** A VOC folder with palette PNG masks: the reader must return palette indices, not colours. */
    @Test
    void readsVocPaletteIndicesAndRunsTags(@TempDir Path dir) throws Exception {
        SyntheticScenes gen = new SyntheticScenes(3, 4);
        Files.createDirectories(dir.resolve("JPEGImages"));
        Files.createDirectories(dir.resolve("SegmentationClass"));
        Files.createDirectories(dir.resolve("ImageSets/Segmentation"));
        Files.writeString(dir.resolve("labelmap.txt"), "# label:color_rgb:parts:actions\nbackground:0:0:0::\na:128,0,0::\nb:0,128,0::\n");
        byte[] pr = new byte[256];
        byte[] pg = new byte[256];
        byte[] pb = new byte[256];
        pr[1] = (byte) 128;
        pg[2] = (byte) 128;
        pr[255] = pg[255] = pb[255] = (byte) 224;
        IndexColorModel palette = new IndexColorModel(8, 256, pr, pg, pb);
        StringBuilder train = new StringBuilder();
        StringBuilder val = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            SyntheticScenes.Scene s = gen.scene(i, 64, 48, 1);
            String id = "img" + i;
            BufferedImage rgb = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
            BufferedImage seg = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_INDEXED, palette);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 64; x++) {
                    rgb.setRGB(x, y, s.image().get(x, y, 0) << 16 | s.image().get(x, y, 1) << 8 | s.image().get(x, y, 2));
                    seg.getRaster().setSample(x, y, 0, (x == 0 && y == 0) ? 255 : s.truth().get(x, y));
                }
            }
            ImageIO.write(rgb, "jpg", dir.resolve("JPEGImages/" + id + ".jpg").toFile());
            ImageIO.write(seg, "png", dir.resolve("SegmentationClass/" + id + ".png").toFile());
            (i < 3 ? train : val).append(id).append('\n');
        }
        Files.writeString(dir.resolve("ImageSets/Segmentation/train.txt"), train);
        Files.writeString(dir.resolve("ImageSets/Segmentation/val.txt"), val);

        VocDataset ds = new VocDataset(dir);
        assertThat(ds.classNames()).containsExactly("background", "a", "b");
        List<LabeledImage> tr = ds.load("train", 0);
        assertThat(tr).hasSize(3);
        LabeledImage first = tr.get(0);
        assertThat(first.truth().get(0, 0)).isEqualTo(255);
        SyntheticScenes.Scene s0 = gen.scene(0, 64, 48, 1);
        for (int y = 0; y < 48; y++) {
            for (int x = 1; x < 64; x++) {
                assertThat(first.truth().get(x, y)).isEqualTo(s0.truth().get(x, y));
            }
        }
        String[] r = run(new BenchEffortCommand(), "--voc", dir.toString(), "--strategy", "tags", "--steps", "2",
                "--stride", "2", "--json");
        assertThat(new ObjectMapper().readTree(r[0]).size()).isEqualTo(2);
        assertThat(r[1]).contains("3 classes, 3 train, 1 val");
    }
}
