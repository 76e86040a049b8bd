package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;

/** The headless CLI as a user runs it: init, import, info, export, import-voc, train/predict/suggest; exit codes. */
class ProjectCliTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void initImportInfoExportAndImportVocRoundTrip() throws Exception {
        Path imgs = tmp.resolve("imgs");
        Files.createDirectories(imgs);
        SyntheticScenes gen = new SyntheticScenes(3, 5);
        for (int i = 0; i < 4; i++) {
            ImageWriter.writePng(gen.scene(i, 64, 48).image(), imgs.resolve("scene" + i + ".png"));
        }
        Files.writeString(imgs.resolve("broken.jpg"), "not really a jpeg");
        Path project = tmp.resolve("p.sseg");
        assertThat(cli("init", project.toString(), "--classes", "cat,dog").code()).isZero();
        Run imp = cli("import", project.toString(), imgs.toString());
        assertThat(imp.code()).isZero();
        assertThat(imp.out()).contains("4 added, 1 skipped");
        assertThat(imp.err()).contains("broken.jpg");

        try (ProjectStore s = ProjectStore.open(project)) {
            List<ImageEntry> images = s.images();
            long cat = s.classByName("cat").orElseThrow().id();
            s.commitStroke(images.get(0).id(), cat, StrokeKind.SCRIBBLE, 3, new float[] {5, 5, 40, 30});
            byte[] m = new byte[64 * 48];
            for (int i = 0; i < m.length; i++) {
                m[i] = (byte) (i % 64 < 32 ? 1 : (i / 64 < 10 ? 255 : 2));
            }
            s.setMask(images.get(1).id(), new LabelMap(64, 48, m), "accepted");
        }
        Run info = cli("info", project.toString(), "--json");
        assertThat(info.code()).isZero();
        assertThat(info.out()).contains("\"images\" : 4").contains("\"done\" : 1").contains("\"name\" : \"cat\"");

        Path out1 = tmp.resolve("voc1");
        Run exp = cli("export", project.toString(), out1.toString());
        assertThat(exp.code()).as(exp.err()).isZero();
        assertThat(exp.out()).contains("exported 1 images");
        assertThat(Files.readString(out1.resolve("labelmap.txt"))).contains("cat:128,0,0::").contains("dog:0,128,0::");

        // an existing export is never overwritten without --overwrite
        Run again = cli("export", project.toString(), out1.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("--overwrite");

        Path project2 = tmp.resolve("q.sseg");
        Run iv = cli("import-voc", out1.toString(), project2.toString());
        assertThat(iv.code()).as(iv.err()).isZero();
        Path out2 = tmp.resolve("voc2");
        assertThat(cli("export", project2.toString(), out2.toString()).code()).isZero();
        assertSameTree(out1, out2);

        // the live head from the command line
        Run train = cli("train", project.toString());
        assertThat(train.code()).as(train.err()).isZero();
        try (Stream<Path> models = Files.walk(project.resolve("models"))) {
            assertThat(models.filter(f -> f.getFileName().toString().equals("head.safetensors")).count()).isEqualTo(1);
        }
        Path pred = tmp.resolve("pred");
        Run predict = cli("predict", project.toString(), "--images", "scene2", "--out", pred.toString());
        assertThat(predict.code()).as(predict.err()).isZero();
        LabelMap predicted = org.scribbleseg.engine.export.PalettePng.read(pred.resolve("scene2.png"));
        assertThat(predicted.width()).isEqualTo(64);
        assertThat(pred.resolve("scene2_confidence.png")).isRegularFile();
        Run eval = cli("eval", project.toString(), "--gt", out1.toString(), "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("\"miou\"").contains("\"images\" : 1");
        Run suggest = cli("suggest", project.toString(), "-n", "2");
        assertThat(suggest.code()).as(suggest.err()).isZero();
        assertThat(suggest.out().lines()).hasSize(2);

        Path sparse = tmp.resolve("sparse");
        Run sp = cli("export", project.toString(), sparse.toString(), "--include", "sparse", "--devkit", "2012");
        assertThat(sp.code()).as(sp.err()).isZero();
        assertThat(sparse.resolve("VOCdevkit/VOC2012/SegmentationClass")).isDirectory();
    }

    @Test
    void usageErrorsExitWithTwoAndFailuresWithOne() {
        Path empty = tmp.resolve("empty.sseg");
        assertThat(cli("init", empty.toString()).code()).isZero();
        Run nothing = cli("train", empty.toString());
        assertThat(nothing.code()).isEqualTo(1);
        assertThat(nothing.err()).contains("nothing is labelled yet");
        assertThat(cli("no-such-command").code()).isEqualTo(2);
        assertThat(cli("export").code()).isEqualTo(2);
        Run missing = cli("info", tmp.resolve("nothing").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("error: no ScribbleSeg project");
        assertThat(missing.err().strip().lines()).hasSize(1);
    }

    static void assertSameTree(Path a, Path b) throws Exception {
        List<Path> fa;
        List<Path> fb;
        try (Stream<Path> s = Files.walk(a)) {
            fa = s.filter(Files::isRegularFile).map(a::relativize).sorted().toList();
        }
        try (Stream<Path> s = Files.walk(b)) {
            fb = s.filter(Files::isRegularFile).map(b::relativize).sorted().toList();
        }
        assertThat(fb).isEqualTo(fa);
        for (Path p : fa) {
            assertThat(Files.readAllBytes(b.resolve(p))).as(p.toString()).isEqualTo(Files.readAllBytes(a.resolve(p)));
        }
    }
}
