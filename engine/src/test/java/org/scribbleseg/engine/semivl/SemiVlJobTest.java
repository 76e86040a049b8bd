package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.train.TorchThreads;

/** SemiVL's full objective on a copy of the demo project with the tiny CLIP fixture, 20 CPU iterations. */
class SemiVlJobTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void threads() {
        TorchThreads.set(1);
    }

    /** The tiny CLIP fixture on the test class path (a copy of the team's fixtures/clip-tiny). */
    static Path clipTiny() throws Exception {
        return Path.of(SemiVlJobTest.class.getResource("/fixtures/clip-tiny/config.json").toURI()).getParent();
    }

    static Path demoCopy(Path tmp) throws Exception {
        Path shipped = Path.of("..", "projects", "demo");
        Path copy = tmp.resolve("demo");
        Files.createDirectories(copy.resolve("demo.sseg"));
        Files.copy(shipped.resolve("demo.sseg/project.db"), copy.resolve("demo.sseg/project.db"));
        Files.createSymbolicLink(copy.resolve("images"), shipped.resolve("images").toAbsolutePath());
        return copy.resolve("demo.sseg");
    }

    @Test
    void twentyCpuIterationsOnTheDemoLowerTheLabelledLoss() throws Exception {
        Path clip = SemiVlJobTest.clipTiny();
        Path project = demoCopy(tmp);
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("model", clip.toAbsolutePath().toString());
        cfg.put("steps", 20);
        cfg.put("seed", 3);
        try (SemiVlJob job = new SemiVlJob()) {
            job.init(new HeavyContext(cfg, project, tmp.resolve("run"), Device.cpu()));
            assertThat(job.recipe().path("recipe").asText()).isEqualTo("cpu");
            assertThat(job.recipe().path("guidance").asText()).isEqualTo("cached");
            assertThat(job.recipe().path("why").asText()).contains("no GPU");
            assertThat(Files.readString(tmp.resolve("run/recipe.json"))).contains("\"crop\" : 224");
            assertThat(job.totalSteps()).isEqualTo(20);
            double before = job.labelledLoss();
            for (int t = 0; t < 20; t++) {
                double l = job.step(t);
                assertThat(l).as("step " + t).isFinite();
                assertThat(job.lastTerms()).containsKeys("lx", "ls1", "ls2", "lfp", "lmc_s1", "lmc_s2", "lmc_fp");
            }
            double after = job.labelledLoss();
            System.out.printf("semivl demo: labelled CE %.4f -> %.4f after 20 iterations%n", before, after);
            assertThat(after).as("labelled CE after 20 iterations (before %.4f)", before).isLessThan(before);
            assertThat(job.evaluate()).containsKey("held_out_images");
        }
    }
}
