package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import picocli.CommandLine;

/** Issue 13's CLI defects, each through the real CLI: predict naming, import reports, giant images, backbones, usage. */
class CliDefectsTest {

    @TempDir
    Path tmp;

    @Test
    void predictNamesItsOutputsUniquelyAndRefusesAmbiguousNames() throws Exception {
        Path imgs = Files.createDirectories(tmp.resolve("imgs"));
        SyntheticScenes gen = new SyntheticScenes(3, 11);
        ImageWriter.writeJpeg(gen.scene(0, 40, 30).image(), imgs.resolve("good.jpg"));
        ImageWriter.writePng(gen.scene(1, 40, 30).image(), imgs.resolve("good.png"));
        String longStem = "x".repeat(250);
        ImageWriter.writePng(gen.scene(2, 40, 30).image(), imgs.resolve(longStem + ".png"));
        Path p = CliProcesses.project(tmp, "pn", imgs);
        CliProcesses.acceptFullMask(p, 0, 1);
        CliProcesses.acceptFullMask(p, 1, 2);

        Path out = tmp.resolve("pred");
        ProjectCliTest.Run all = cli("predict", p.toString(), "--out", out.toString());
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("predicted 3 images");
        List<String> names;
        try (Stream<Path> s = Files.list(out)) {
            names = s.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertThat(names).hasSize(6).contains("good.png", "good_confidence.png", "good_2.png", "good_2_confidence.png");
        assertThat(names).allMatch(n -> n.length() <= 255);
        assertThat(names.stream().filter(n -> n.startsWith("xxxx"))).hasSize(2);

        ProjectCliTest.Run ambiguous = cli("predict", p.toString(), "--images", "good", "--out", tmp.resolve("pred2").toString());
        assertThat(ambiguous.code()).isEqualTo(1);
        assertThat(ambiguous.err()).contains("'good' names 2 images").contains("good.jpg (id").contains("good.png (id");
        ProjectCliTest.Run exact = cli("predict", p.toString(), "--images", "good.png", "--out", tmp.resolve("pred3").toString());
        assertThat(exact.code()).as(exact.err()).isZero();
        assertThat(exact.out()).contains("predicted 1 images");
    }

    @Test
    void importVocPrintsEveryProblemWithItsFile() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("vimgs"), "s", 0, 3, 40, 30);
        Path p = CliProcesses.project(tmp, "vp", imgs);
        for (int i = 0; i < 3; i++) {
            CliProcesses.acceptFullMask(p, i, 1);
        }
        Path voc = tmp.resolve("voc");
        assertThat(cli("export", p.toString(), voc.toString()).code()).isZero();
        List<Path> masks;
        try (Stream<Path> s = Files.list(voc.resolve("SegmentationClass"))) {
            masks = s.sorted().toList();
        }
        for (Path m : masks) {
            PalettePng.write(new LabelMap(20, 10, new byte[200]), m); // wrong size
        }
        ProjectCliTest.Run iv = cli("import-voc", voc.toString(), tmp.resolve("n.sseg").toString());
        assertThat(iv.code()).isEqualTo(1);
        assertThat(iv.err()).contains("3 problems");
        for (String id : List.of("s0", "s1", "s2")) {
            assertThat(iv.err()).containsPattern("(?m)^  " + id + ": mask " + id + "\\.png is 20×10 but its image");
        }
    }

    /** A grey PNG of {@code w}×{@code h} that is small on disk (all zeros), written without holding its pixels. */
    static void bigPng(Path file, int w, int h) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            o.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            java.io.ByteArrayOutputStream ihdr = new java.io.ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(w);
            d.writeInt(h);
            d.write(new byte[] {8, 0, 0, 0, 0});
            chunk(o, "IHDR", ihdr.toByteArray());
            java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9))) {
                byte[] row = new byte[w + 1];
                for (int y = 0; y < h; y++) {
                    z.write(row);
                }
            }
            chunk(o, "IDAT", idat.toByteArray());
            chunk(o, "IEND", new byte[0]);
        }
    }

    private static void chunk(DataOutputStream o, String type, byte[] data) throws IOException {
        o.writeInt(data.length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        o.write(t);
        o.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        o.writeInt((int) crc.getValue());
    }

    @Test
    void giantImagesAreRefusedAtImportAndSkippedByTrainAndPredict() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("gimgs"), "s", 0, 2, 40, 30);
        Path p = CliProcesses.project(tmp, "gp", imgs);
        CliProcesses.acceptFullMask(p, 0, 1);
        CliProcesses.acceptFullMask(p, 1, 2);
        Path giant = tmp.resolve("giant");
        Files.createDirectories(giant);
        bigPng(giant.resolve("huge.png"), 12_000, 12_000);
        assertThat(Files.size(giant.resolve("huge.png"))).isLessThan(2_000_000);

        ProjectCliTest.Run imp = cli("import", p.toString(), giant.toString());
        assertThat(imp.code()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("0 added, 1 skipped");
        assertThat(imp.err()).contains("huge.png").contains("too large: 12000x12000 (144.0 MP)").doesNotContain("Exception");

        // the limit is a flag (kept as the project's setting): a tiny one refuses even these small images
        Path small = CliProcesses.images(tmp.resolve("small"), "t", 50, 1, 40, 30);
        ProjectCliTest.Run tiny = cli("import", p.toString(), small.toString(), "--max-megapixels", "0.001");
        assertThat(tiny.out()).contains("0 added, 1 skipped");
        assertThat(tiny.err()).contains("over the limit of 0.0 MP");
        ProjectCliTest.Run normal = cli("import", p.toString(), small.toString(), "--max-megapixels", "100");
        assertThat(normal.out()).contains("1 added");

        // a giant image already in the project (imported before the limit), labelled: left out, never a trace
        try (ProjectStore s = ProjectStore.open(p)) {
            ImageEntry e = s.addImage(giant.resolve("huge.png"), "0".repeat(64), 12_000, 12_000, Split.NONE);
            long cat = s.classByName("cat").orElseThrow().id();
            s.commitStroke(e.id(), cat, org.scribbleseg.engine.project.StrokeKind.SCRIBBLE, 5, new float[] {10, 10, 500, 500});
        }
        ProjectCliTest.Run train = cli("train", p.toString());
        assertThat(train.code()).as(train.err()).isZero();
        assertThat(train.err()).contains("left out of training and prediction").contains("huge.png").doesNotContain("Exception");
        ProjectCliTest.Run pred = cli("predict", p.toString(), "--out", tmp.resolve("gpred").toString());
        assertThat(pred.code()).as(pred.err()).isZero();
        assertThat(pred.out()).contains("predicted 3 images").contains("(1 skipped)");
        assertThat(pred.err()).contains("skipped").contains("huge.png").doesNotContain("OutOfMemoryError");
    }

    @Test
    void anExplicitBackboneThatCannotBeHonouredIsAnErrorNamingTheChoices() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("bimgs"), "s", 0, 2, 40, 30);
        Path p = CliProcesses.project(tmp, "bp", imgs);
        CliProcesses.acceptFullMask(p, 0, 1);
        ProjectCliTest.Run nonsense = cli("train", p.toString(), "--backbone", "nonsense");
        assertThat(nonsense.code()).isEqualTo(1);
        assertThat(nonsense.err()).contains("unknown backbone 'nonsense'").contains("Installed choices: classic");
        System.setProperty("scribbleseg.models", tmp.resolve("no-models").toString());
        try {
            ProjectCliTest.Run dino = cli("train", p.toString(), "--backbone", "dinov2-small");
            assertThat(dino.code()).isEqualTo(1);
            assertThat(dino.err()).contains("backbone 'dinov2-small' cannot be used").contains("Installed choices: classic");
            // the project's own setting may fall back, visibly
            try (ProjectStore s = ProjectStore.open(p)) {
                s.setSetting("backbone", "dinov2-small");
            }
            ProjectCliTest.Run dflt = cli("train", p.toString());
            assertThat(dflt.code()).as(dflt.err()).isZero();
            assertThat(dflt.err()).contains("warning: the project's backbone is not available here").contains("classic filter bank");
            assertThat(dflt.out()).contains("classic");
        } finally {
            System.clearProperty("scribbleseg.models");
        }
    }

    @Test
    void importReportsGifsAndSymlinksAndFailsOnAMissingPath() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("limgs"), "s", 0, 1, 40, 30);
        Path p = CliProcesses.project(tmp, "lp", imgs);
        Path more = CliProcesses.images(tmp.resolve("more"), "m", 10, 1, 40, 30);
        Files.write(more.resolve("anim.gif"), new byte[] {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0, 0x3b});
        Path target = CliProcesses.images(tmp.resolve("elsewhere"), "e", 20, 1, 40, 30).resolve("e20.png");
        Files.createSymbolicLink(more.resolve("link.png"), target);
        ProjectCliTest.Run imp = cli("import", p.toString(), more.toString());
        assertThat(imp.code()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("1 added, 2 skipped");
        assertThat(imp.err()).contains("anim.gif: GIF is not supported").contains("link.png: a symbolic link");

        ProjectCliTest.Run missing = cli("import", p.toString(), "/nonexistent/x.png");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("/nonexistent/x.png: no such file or folder");
    }

    @Test
    void helpExitsZeroForEveryCommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(15);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            ProjectCliTest.Run r = cli(args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage:");
        }
    }

    private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getValue().getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(e.getKey());
            out.add(path);
            collect(e.getValue(), path, out);
        }
    }

    @Test
    void suggestWithANegativeCountIsAUsageError() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("simgs"), "s", 0, 1, 40, 30);
        Path p = CliProcesses.project(tmp, "sp", imgs);
        ProjectCliTest.Run r = cli("suggest", p.toString(), "-n", "-5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("-n must be at least 1");
    }

    @Test
    void exportCleansUpAfterAKillAndRestoresATargetLostBetweenItsRenames() throws Exception {
        Path imgs = CliProcesses.images(tmp.resolve("eimgs"), "s", 0, 2, 40, 30);
        Path p = CliProcesses.project(tmp, "ep", imgs);
        CliProcesses.acceptFullMask(p, 0, 1);
        Path out = tmp.resolve("voc");
        assertThat(cli("export", p.toString(), out.toString()).code()).isZero();
        // what a kill leaves: a partial folder of a dead export, and the old export moved aside with no new one in
        Path stale = Files.createDirectories(tmp.resolve("voc.partial-" + Long.MAX_VALUE + "-abc"));
        Files.writeString(stale.resolve("half.png"), "x");
        Path older = Files.createDirectories(tmp.resolve("voc.partial-0123456789ab"));
        Files.move(out, tmp.resolve("voc.old-deadbeef"));

        ProjectCliTest.Run again = cli("export", p.toString(), out.toString());
        assertThat(again.code()).as(again.err()).isEqualTo(1); // restored: not empty, so --overwrite is needed
        assertThat(again.err()).contains("--overwrite");
        assertThat(out.resolve("JPEGImages")).isDirectory();
        assertThat(stale).doesNotExist();
        assertThat(older).doesNotExist();
        ProjectCliTest.Run ow = cli("export", p.toString(), out.toString(), "--overwrite");
        assertThat(ow.code()).as(ow.err()).isZero();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(x -> x.getFileName().toString())).noneMatch(n -> n.startsWith("voc.partial-") || n.startsWith("voc.old-"));
        }
    }

    @Test
    void modelsImportRefusesAConfigWhoseSizesTheWeightsDoNotHave() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("mine"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/clip-tiny/config.json")) {
            config = (ObjectNode) json.readTree(in);
        }
        try (InputStream in = getClass().getResourceAsStream("/fixtures/clip-tiny/model.safetensors");
                OutputStream o = Files.newOutputStream(src.resolve("model.safetensors"))) {
            in.transferTo(o);
        }
        Path models = tmp.resolve("models");
        ((ObjectNode) config.get("vision_config")).put("hidden_size", 100_000);
        json.writeValue(src.resolve("config.json").toFile(), config);
        ProjectCliTest.Run big = cli("models", "--models-dir", models.toString(), "import", src.toString(), "--name", "bad");
        assertThat(big.code()).isEqualTo(1);
        assertThat(big.err()).contains("vision_config.hidden_size is 100000 but no tensor");
        ((ObjectNode) config.get("vision_config")).put("hidden_size", 64);
        ((ObjectNode) config.get("text_config")).put("num_hidden_layers", 5000);
        json.writeValue(src.resolve("config.json").toFile(), config);
        ProjectCliTest.Run layers = cli("models", "--models-dir", models.toString(), "import", src.toString(), "--name", "bad");
        assertThat(layers.code()).isEqualTo(1);
        assertThat(layers.err()).contains("text_config.num_hidden_layers is 5000 but the weights hold 3 layers");
        assertThat(models.resolve("bad")).doesNotExist();
        ((ObjectNode) config.get("text_config")).put("num_hidden_layers", 3);
        json.writeValue(src.resolve("config.json").toFile(), config);
        ProjectCliTest.Run ok = cli("models", "--models-dir", models.toString(), "import", src.toString(), "--name", "good");
        assertThat(ok.code()).as(ok.err()).isZero();
    }

    @Test
    void aFailedOfflineDownloadLeavesNoEmptyModelFolderOrLock() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path models = tmp.resolve("models");
        ProjectCliTest.Run d = cli("models", "download", "clip-vit-base-patch16", "--models-dir", models.toString(),
                "--endpoint", "http://127.0.0.1:" + port);
        assertThat(d.code()).isEqualTo(1);
        try (Stream<Path> s = Files.list(models)) {
            assertThat(s.map(x -> x.getFileName().toString()).toList()).isEmpty();
        }
    }
}
