package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.DdepTrainer;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * {@code scribbleseg pretrain}: real (short) runs in worker processes on a small project: ddep (its checkpoint and
 * run row), simmim (its run becomes a backbone); usage errors.
 */
class PretrainCommandTest {

    @TempDir
    Path tmp;

    private Path project() throws Exception {
        Path imgs = Files.createDirectories(tmp.resolve("imgs"));
        SyntheticScenes gen = new SyntheticScenes(3, 5);
        ImageWriter.writePng(gen.scene(0, 72, 56).image(), imgs.resolve("a.png"));
        ImageWriter.writePng(gen.scene(1, 61, 47).image(), imgs.resolve("b.png"));
        ImageWriter.writePng(gen.scene(2, 64, 64).image(), imgs.resolve("c.png"));
        Path p = tmp.resolve("p.sseg");
        assertThat(cli("init", p.toString(), "--classes", "cat,dog").code()).isZero();
        assertThat(cli("import", p.toString(), imgs.toString()).code()).isZero();
        try (ProjectStore s = ProjectStore.open(p)) {
            ImageEntry a = s.images().get(0);
            ClassDef bg = s.classes().get(0);
            ClassDef cat = s.classes().get(1);
            s.commitStroke(a.id(), bg.id(), StrokeKind.SCRIBBLE, 3, new float[] {5, 5, 30, 8}, 100);
            s.commitStroke(a.id(), cat.id(), StrokeKind.SCRIBBLE, 3, new float[] {40, 40, 60, 45}, 100);
        }
        return p;
    }

    @Test
    void ddepPretrainsAndFineTunesInAWorkerAndRecordsTheRun() throws Exception {
        Path p = project();
        System.setProperty("scribbleseg.worker.threads", "1");
        try {
            ProjectCliTest.Run r = cli("pretrain", p.toString(), "--method", "ddep", "--budget", "2s", "--ft-steps", "3",
                    "--device", "cpu");
            assertThat(r.code()).as(r.err()).isZero();
            Matcher m = Pattern.compile("trained ddep run (\\S+): (\\d+) steps").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            assertThat(r.out()).contains("train_miou");
            try (ProjectStore s = ProjectStore.open(p)) {
                RunRecord run = s.run(m.group(1)).orElseThrow();
                assertThat(run.state()).isEqualTo(RunRecord.DONE);
                assertThat(run.method()).isEqualTo("ddep");
                JsonNode cfg = new ObjectMapper().readTree(run.configJson());
                assertThat(cfg.get("finetune_steps").asInt()).isEqualTo(3);
                assertThat(cfg.get("budget_s").asInt()).isEqualTo(2);
                try (Safetensors st = Safetensors.open(Path.of(run.checkpoint()).resolve(DdepTrainer.CHECKPOINT_DECODER))) {
                    assertThat(st.metadata()).containsEntry("finetune_steps", "3").containsKey("class_values");
                    assertThat(st.info("head.weight").shape()[0]).isEqualTo(3); // background + cat + dog
                    assertThat(Long.parseLong(st.metadata().get("pretrain_steps"))).isEqualTo(Long.parseLong(m.group(2)) - 3);
                }
                assertThat(Path.of(run.checkpoint()).resolve(DdepTrainer.CHECKPOINT_OPTIMIZER)).isRegularFile();
            }
            ProjectCliTest.Run again = cli("pretrain", p.toString(), "--method", "ddep", "--resume", m.group(1));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("is finished; nothing to resume");
        } finally {
            System.clearProperty("scribbleseg.worker.threads");
        }
    }

    @Test
    void simmimTrainsInAWorkerAndTheRunBecomesABackbone() throws Exception {
        Path p = project();
        System.setProperty("scribbleseg.worker.threads", "1");
        try {
            ProjectCliTest.Run r = cli("pretrain", p.toString(), "--method", "simmim", "--budget", "2s", "--device", "cpu");
            assertThat(r.code()).as(r.err()).isZero();
            Matcher m = Pattern.compile("--backbone project-vit:(\\S+),").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            assertThat(r.out()).contains("trained simmim run " + m.group(1));
            try (ProjectStore s = ProjectStore.open(p)) {
                Path dir = s.modelsDir().resolve(m.group(1));
                assertThat(dir.resolve(org.scribbleseg.engine.heavy.SimMimJob.PREVIEW)).isRegularFile();
                try (var bb = org.scribbleseg.engine.Backbones.explicit("project-vit:" + m.group(1), s.modelsDir())) {
                    assertThat(bb.channels()).isEqualTo(128);
                    assertThat(bb.key()).startsWith("project-vit-" + m.group(1) + "-s").endsWith("@256");
                }
            }
        } finally {
            System.clearProperty("scribbleseg.worker.threads");
        }
    }

    @Test
    void badArgumentsAreUsageErrorsAndAMissingRunIsAFailure() throws Exception {
        Path p = project();
        assertThat(cli("pretrain", p.toString(), "--method", "mae").code()).isEqualTo(2);
        ProjectCliTest.Run simmim = cli("pretrain", p.toString(), "--method", "simmim", "--ft-steps", "5");
        assertThat(simmim.code()).isEqualTo(2);
        assertThat(simmim.err()).contains("are for ddep");
        assertThat(cli("pretrain", p.toString(), "--method", "ddep", "--budget", "soon").code()).isEqualTo(2);
        assertThat(cli("pretrain", p.toString(), "--method", "ddep", "--ft-steps", "-1").code()).isEqualTo(2);
        ProjectCliTest.Run none = cli("pretrain", p.toString(), "--method", "ddep", "--resume", "ddep-nope");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no run 'ddep-nope' in this project");
    }
}
