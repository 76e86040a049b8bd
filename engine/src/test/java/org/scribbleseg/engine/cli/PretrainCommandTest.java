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
import org.scribbleseg.engine.project.StrokeKind;

/** {@code scribbleseg pretrain --method ddep}: a real (short) run on a small project, its files, its run row, resume. */
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
    void ddepPretrainsFineTunesRecordsTheRunAndResumes() throws Exception {
        Path p = project();
        ProjectCliTest.Run r = cli("pretrain", p.toString(), "--method", "ddep", "--budget", "2s", "--ft-steps", "3");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("ddep run (ddep-[0-9-]+): starting").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        String run = m.group(1);
        assertThat(r.out()).contains("on 3 images with classic").contains("fine-tuned on 1 labelled images, 3 steps");
        Path dir;
        long steps;
        try (ProjectStore s = ProjectStore.open(p)) {
            dir = s.modelsDir().resolve(run);
        }
        JsonNode runJson = new ObjectMapper().readTree(dir.resolve("run.json").toFile());
        assertThat(runJson.get("kind").asText()).isEqualTo("ddep");
        steps = runJson.get("metrics").get("pretrain_steps").asLong();
        assertThat(steps).isPositive();
        assertThat(runJson.get("metrics").get("images_per_s").asDouble()).isPositive();
        try (Safetensors st = Safetensors.open(dir.resolve(PretrainCommand.DECODER))) {
            assertThat(st.metadata()).containsEntry("finetune_steps", "3").containsKey("class_values");
            assertThat(st.info("head.weight").shape()[0]).isEqualTo(3); // background + cat + dog
        }
        try (Safetensors st = Safetensors.open(dir.resolve(PretrainCommand.PRETRAINED))) {
            assertThat(st.metadata()).containsEntry("pretrain_steps", Long.toString(steps));
            assertThat(st.info("head.weight").shape()[0]).isEqualTo(3); // the noise ε: 3 channels
        }

        ProjectCliTest.Run again = cli("pretrain", p.toString(), "--method", "ddep", "--budget", "1s", "--ft-steps",
                "0", "--resume", run);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("ddep run " + run + ": resuming").contains("from step " + steps);
        try (Safetensors st = Safetensors.open(dir.resolve(PretrainCommand.PRETRAINED))) {
            assertThat(Long.parseLong(st.metadata().get("pretrain_steps"))).isGreaterThan(steps);
        }
    }

    @Test
    void badArgumentsAreUsageErrorsAndAMissingRunIsAFailure() throws Exception {
        Path p = project();
        assertThat(cli("pretrain", p.toString(), "--method", "mae").code()).isEqualTo(2);
        ProjectCliTest.Run simmim = cli("pretrain", p.toString(), "--method", "simmim");
        assertThat(simmim.code()).isEqualTo(2);
        assertThat(simmim.err()).contains("simmim is not built yet");
        assertThat(cli("pretrain", p.toString(), "--method", "ddep", "--budget", "soon").code()).isEqualTo(2);
        assertThat(cli("pretrain", p.toString(), "--method", "ddep", "--device", "gpu").code()).isEqualTo(2);
        ProjectCliTest.Run none = cli("pretrain", p.toString(), "--method", "ddep", "--resume", "ddep-nope");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no run 'ddep-nope' to resume");
    }
}
