package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;

/** {@code train --method semivl --model <clip-tiny> --iters 20} on a copy of the demo, then {@code predict --run}. */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class SemiVlCliTest {
    @TempDir
    Path tmp;

    @Test
    void trainsTwentyCpuIterationsThenPredictsWithTheRun() throws Exception {
        Path shipped = Path.of("..", "projects", "demo");
        Path copy = tmp.resolve("demo");
        Files.createDirectories(copy.resolve("demo.sseg"));
        Files.copy(shipped.resolve("demo.sseg/project.db"), copy.resolve("demo.sseg/project.db"));
        Files.createSymbolicLink(copy.resolve("images"), shipped.resolve("images").toAbsolutePath());
        Path project = copy.resolve("demo.sseg");
        Path clip = ZeroShotCommandTest.clipTiny();

        ProjectCliTest.Run t = cli("train", project.toString(), "--method", "semivl", "--model", clip.toString(), "--iters", "20",
                "--device", "cpu", "--crop", "64", "--set", "decoder_channels=16");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).contains("trained semivl run").contains("20 steps").contains("recipe: no GPU in the worker");
        Matcher m = Pattern.compile("trained semivl run (\\S+):").matcher(t.out());
        assertThat(m.find()).isTrue();
        String run = m.group(1);

        String first;
        try (ProjectStore s = ProjectStore.open(project)) {
            first = s.images().get(0).stem();
        }
        ProjectCliTest.Run p = cli("predict", project.toString(), "--run", run, "--images", first, "--out", tmp.resolve("out").toString());
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains("predicted 1 images");
        try (ProjectStore s = ProjectStore.open(project)) {
            ImageEntry e = s.images().get(0);
            var pr = s.prediction(e.id(), run).orElseThrow();
            assertThat(pr.labels().width()).isEqualTo(e.width());
            assertThat(pr.labels().height()).isEqualTo(e.height());
        }

        ProjectCliTest.Run bad = cli("train", project.toString(), "--method", "semivl", "--model", tmp.resolve("nothing").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("no CLIP model at");
    }
}
