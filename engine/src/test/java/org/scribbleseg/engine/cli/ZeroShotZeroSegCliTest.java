package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.zeroseg.ZeroSegLabeler;

/**
 * {@code scribbleseg zeroshot <demo copy> --method zeroseg --train --iters 20 --device cpu} with the clip-tiny
 * fixture as teacher: a worker process trains the reduced CPU recipe on the demo's photos (no labels), then every
 * image gets ZeroSeg pre-labels, stored and written as palette PNGs; a second call labels with that run.
 */
class ZeroShotZeroSegCliTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void oneThread() {
        System.setProperty("scribbleseg.worker.threads", "1");
    }

    @AfterAll
    static void reset() {
        System.clearProperty("scribbleseg.worker.threads");
    }

    @Test
    void trainsOnTheDemoAndLabelsEveryImage() throws Exception {
        Path project = org.scribbleseg.engine.testutil.DemoCopy.make(tmp);
        Path out = tmp.resolve("png");
        String clip = ZeroShotCommandTest.clipTiny().toString();
        ProjectCliTest.Run r = cli("zeroshot", project.toString(), "--method", "zeroseg", "--model", clip, "--train", "--iters", "20",
                "--device", "cpu", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained zeroseg run").contains("20 steps on cpu").contains("as run zeroshot-zeroseg");
        try (ProjectStore s = ProjectStore.open(project)) {
            RunRecord run = s.runs().stream().filter(x -> x.method().equals("zeroseg")).findFirst().orElseThrow();
            assertThat(run.state()).isEqualTo(RunRecord.DONE);
            assertThat(run.configJson()).contains("\"teacher\"");
            assertThat(s.images()).hasSize(11);
            for (ImageEntry e : s.images()) {
                LabelMap lm = s.prediction(e.id(), ZeroSegLabeler.RUN_ID).orElseThrow().labels();
                assertThat(lm.width()).isEqualTo(e.width());
                assertThat(lm.height()).isEqualTo(e.height());
                assertThat(PalettePng.read(out.resolve(e.stem() + ".png"))).isEqualTo(lm);
            }
        }
        // without --train: the latest run labels again (here with every segment kept)
        ProjectCliTest.Run again = cli("zeroshot", project.toString(), "--method", "zeroseg", "--threshold", "0");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("zero-shot labelled 11 images (100.0% of pixels labelled");
        // --budget stops a longer run at a checkpoint and labels with what it has
        ProjectCliTest.Run budget = cli("zeroshot", project.toString(), "--method", "zeroseg", "--model", clip, "--train", "--preset", "cpu",
                "--budget", "15s", "--device", "cpu");
        assertThat(budget.code()).as(budget.err()).isZero();
        assertThat(budget.err()).contains("time budget of 15 s spent");
        assertThat(budget.out()).contains("trained zeroseg run").contains("as run zeroshot-zeroseg");
        try (ProjectStore s = ProjectStore.open(project)) {
            assertThat(s.runs().stream().filter(x -> x.method().equals("zeroseg")).map(RunRecord::state)).contains(RunRecord.CANCELLED);
        }
        ProjectCliTest.Run bad = cli("zeroshot", project.toString(), "--iters", "3");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--method zeroseg");
    }

    @Test
    void trainMethodZeroSegRunsInAWorkerOnAnUnlabelledProject() throws Exception {
        Path p = org.scribbleseg.engine.zeroseg.ZeroSegTestProjects.unlabelled(tmp, 2);
        ProjectCliTest.Run r = cli("train", p.toString(), "--method", "zeroseg", "--steps", "3", "--set",
                "teacher=" + ZeroShotCommandTest.clipTiny(), "--set", "preset=tiny", "--device", "cpu");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trained zeroseg run").contains("3 steps on cpu");
    }
}
