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
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.LabeledImage;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.eval.VocDataset;
import org.scribbleseg.engine.model.ModelCatalog;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Weights;
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
        JsonNode doc = new ObjectMapper().readTree(r[0]);
        assertThat(doc.get("backbone").asText()).startsWith("classic");
        assertThat(doc.get("channels").asInt()).isEqualTo(54);
        JsonNode steps = doc.get("steps");
        assertThat(steps.size()).isEqualTo(2);
        assertThat(steps.get(0).get("step").asInt()).isEqualTo(1);
        assertThat(steps.get(1).get("strokes").asInt()).isGreaterThanOrEqualTo(steps.get(0).get("strokes").asInt());
        for (JsonNode s : steps) {
            assertThat(s.get("miou").asDouble()).isBetween(0.3, 1.0); // far above chance on 3 textured classes
            assertThat(s.get("loop_ms").asDouble()).isPositive();
        }
    }

    @Test
    void pretrainDdepReportsTheDecoderCurveNextToTheHeadAndThePretrainingRun() throws Exception {
        String[] r = run(new BenchEffortCommand(), "--scenes", "2", "--val", "2", "--steps", "2", "--size", "64",
                "--classes", "3", "--pretrain", "ddep", "--budget", "3s", "--ft-steps", "30,10", "--threads", "1",
                "--json");
        JsonNode doc = new ObjectMapper().readTree(r[0]);
        JsonNode pre = doc.get("pretrain");
        assertThat(pre.get("method").asText()).isEqualTo("ddep");
        assertThat(pre.get("images").asInt()).isEqualTo(4); // both splits' images, no masks
        assertThat(pre.get("budget_s").asInt()).isEqualTo(3);
        assertThat(pre.get("steps").asLong()).isPositive();
        assertThat(pre.get("images_per_s").asDouble()).isPositive();
        for (JsonNode s : doc.get("steps")) {
            assertThat(s.get("decoder_miou").asDouble()).isBetween(0.0, 1.0);
            assertThat(s.get("decoder_fit_s").asDouble()).isPositive();
            assertThat(s.get("miou").asDouble()).isBetween(0.0, 1.0);
        }
        CommandLine cl = new CommandLine(new BenchEffortCommand());
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute("--pretrain", "mae")).isEqualTo(2);
        assertThat(cl.execute("--pretrain", "ddep", "--budget", "5 minutes")).isEqualTo(2);
    }

    @Test
    void budgetsParseAsHoursMinutesSeconds() {
        assertThat(Budget.parse("90s").seconds()).isEqualTo(90);
        assertThat(Budget.parse("5m").seconds()).isEqualTo(300);
        assertThat(Budget.parse("1h30m").seconds()).isEqualTo(5400);
        assertThat(Budget.parse("45").seconds()).isEqualTo(45);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Budget.parse("5x")))
                .hasMessageContaining("'5x' is not a time budget");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Budget.parse("m5")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsUnknownBackboneAndStrategy(@TempDir Path models) {
        System.setProperty("scribbleseg.models", models.toString());
        try {
            CommandLine cl = new CommandLine(new BenchEffortCommand());
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            assertThat(cl.execute("--backbone", "dinov2-small")).isEqualTo(2); // not installed: no silent fallback
            assertThat(err.toString()).contains("no weights installed for 'dinov2-small'");
            assertThat(cl.execute("--backbone", "resnet")).isEqualTo(2);
            assertThat(cl.execute("--strategy", "lasso")).isEqualTo(2);
        } finally {
            System.clearProperty("scribbleseg.models");
        }
    }

    /** A tiny DINOv2 (width 32, seeded random weights) installed in the model store drives the benchmark. */
    @Test
    void installedDinov2DrivesTheCurve(@TempDir Path tmp) throws Exception {
        Path models = tmp.resolve("models");
        Path src = Dinov2Weights.writeRandomModel(TINY, 11, tmp.resolve("src"));
        new ModelStore(models, ModelCatalog.builtIn(), ModelStore.defaultBaseUrl(), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1).importModel(src, "dinov2-tiny");
        System.setProperty("scribbleseg.models", models.toString());
        String[] r;
        try {
            r = run(new BenchEffortCommand(), "--scenes", "2", "--val", "2", "--steps", "2", "--size", "64",
                    "--classes", "3", "--backbone", "dinov2-tiny@56", "--json");
        } finally {
            System.clearProperty("scribbleseg.models");
        }
        JsonNode doc = assertCurve(r[0], "dinov2-tiny@56", 32);
        assertThat(doc.get("weights").asText()).isEqualTo("installed");
        assertThat(r[1]).contains("features: 4 images with dinov2-tiny@56");
    }

    /** dinov2-small-random: the real ViT-S/14 shape, random weights written as HF files and loaded from them. */
    @Test
    void randomDinov2SmokeSaysTheWeightsAreRandom() throws Exception {
        String[] r = run(new BenchEffortCommand(), "--scenes", "2", "--val", "2", "--steps", "1", "--size", "42",
                "--classes", "3", "--backbone", "dinov2-small-random@28", "--json");
        JsonNode doc = assertCurve(r[0], "dinov2-small-random@28", 384);
        assertThat(doc.get("weights").asText()).isEqualTo("random");
        assertThat(r[1]).contains("random weights").contains("proves nothing about quality");
    }

    private static final Dinov2Config TINY = new Dinov2Config(32, 2, 2, 64, 14, 4, 0, 1e-6f, false, 0.1);

    private static JsonNode assertCurve(String json, String backbone, int channels) throws Exception {
        JsonNode doc = new ObjectMapper().readTree(json);
        assertThat(doc.get("backbone").asText()).isEqualTo(backbone);
        assertThat(doc.get("channels").asInt()).as("the DINOv2 width, not the classic 54").isEqualTo(channels);
        assertThat(doc.get("steps").size()).isPositive();
        for (JsonNode s : doc.get("steps")) {
            assertThat(s.get("miou").asDouble()).isBetween(0.0, 1.0);
            assertThat(s.get("strokes").asInt()).isPositive();
        }
        return doc;
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
        assertThat(new ObjectMapper().readTree(r[0]).get("steps").size()).isEqualTo(2);
        assertThat(r[1]).contains("3 classes, 3 train, 1 val");
    }
}
