package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;

/** {@code scribbleseg zeroshot} on a temp project with the clip-tiny fixture as --model. */
class ZeroShotCommandTest {
    @TempDir
    Path tmp;

    static Path clipTiny() throws Exception {
        return Path.of(ZeroShotCommandTest.class.getResource("/fixtures/clip-tiny/config.json").toURI()).getParent();
    }

    Path project() throws Exception {
        Path imgs = tmp.resolve("imgs");
        Files.createDirectories(imgs);
        SyntheticScenes gen = new SyntheticScenes(3, 11);
        ImageWriter.writePng(gen.scene(0, 64, 48).image(), imgs.resolve("a.png"));
        ImageWriter.writePng(gen.scene(1, 40, 56).image(), imgs.resolve("b.png"));
        Path p = tmp.resolve("p.sseg");
        assertThat(cli("init", p.toString(), "--classes", "cat,dog").code()).isZero();
        assertThat(cli("import", p.toString(), imgs.toString()).code()).isZero();
        return p;
    }

    @Test
    void labelsEveryImageAndSavesPredictionsAndPngs() throws Exception {
        Path p = project();
        Path out = tmp.resolve("zs");
        ProjectCliTest.Run r = cli("zeroshot", p.toString(), "--model", clipTiny().toString(), "--threshold", "0", "--resolution", "64",
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("zero-shot labelled 2 images").contains("zeroshot-clip");
        try (ProjectStore s = ProjectStore.open(p)) {
            List<ImageEntry> images = s.images();
            assertThat(images).hasSize(2);
            for (ImageEntry e : images) {
                ProjectStore.PredictionRecord pr = s.latestPrediction(e.id()).orElseThrow();
                assertThat(pr.runId()).isEqualTo("zeroshot-clip");
                assertThat(pr.labels().width()).isEqualTo(e.width());
                assertThat(pr.labels().height()).isEqualTo(e.height());
                // threshold 0: every pixel has a class
                assertThat(pr.labels().labelledCount()).isEqualTo((long) e.width() * e.height());
                assertThat(pr.confidence()).hasSize(e.width() * e.height());
                LabelMap png = PalettePng.read(out.resolve(e.stem() + ".png"));
                assertThat(png).isEqualTo(pr.labels());
            }
        }
    }

    @Test
    void missingWeightsGiveTheInstallHint() throws Exception {
        Path p = project();
        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        ProjectCliTest.Run r = cli("zeroshot", p.toString(), "--model", empty.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("CLIP weights not installed: scribbleseg models download clip-vit-base-patch16, or models import <dir>");
        String old = System.getProperty("scribbleseg.models");
        System.setProperty("scribbleseg.models", tmp.resolve("no-models").toString());
        try {
            ProjectCliTest.Run d = cli("zeroshot", p.toString());
            assertThat(d.code()).isEqualTo(1);
            assertThat(d.err()).contains("CLIP weights not installed");
        } finally {
            if (old == null) {
                System.clearProperty("scribbleseg.models");
            } else {
                System.setProperty("scribbleseg.models", old);
            }
        }
    }
}
