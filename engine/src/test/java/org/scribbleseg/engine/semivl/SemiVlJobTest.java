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
        cfg.put("crop", 64);
        cfg.put("decoder_channels", 16);
        try (SemiVlJob job = new SemiVlJob()) {
            job.init(new HeavyContext(cfg, project, tmp.resolve("run"), Device.cpu()));
            assertThat(job.recipe().path("recipe").asText()).isEqualTo("cpu");
            assertThat(job.recipe().path("guidance").asText()).isEqualTo("cached");
            assertThat(job.recipe().path("why").asText()).contains("no GPU");
            assertThat(Files.readString(tmp.resolve("run/recipe.json"))).contains("\"crop\" : 64");
            assertThat(job.totalSteps()).isEqualTo(20);
            double before = job.labelledLoss();
            for (int t = 0; t < 20; t++) {
                double l = job.step(t);
                assertThat(l).as("step " + t + ": " + job.lastTerms()).isFinite();
                assertThat(job.lastTerms()).containsKeys("lx", "ls1", "ls2", "lfp", "lmc_s1", "lmc_s2", "lmc_fp");
            }
            double after = job.labelledLoss();
            System.out.printf("semivl demo: labelled CE %.4f -> %.4f after 20 iterations%n", before, after);
            assertThat(after).as("labelled CE after 20 iterations (before %.4f)", before).isLessThan(before);
            assertThat(job.evaluate()).containsKey("held_out_images");
        }
    }

    @Test
    void everyFifthAcceptedMaskIsHeldOutScoredAndNamedInTheCheckpoint() throws Exception {
        Path dir = tmp.resolve("held.sseg");
        java.util.List<Long> ids = new java.util.ArrayList<>();
        try (org.scribbleseg.engine.project.ProjectStore s = org.scribbleseg.engine.project.ProjectStore.create(dir)) {
            s.addClass("background", 0, 0, "", java.util.List.of());
            s.addClass("square", 0xff0000, 1, "", java.util.List.of());
            for (int i = 0; i < 8; i++) {
                int w = 48;
                int h = 40;
                byte[] px = new byte[w * h * 3];
                byte[] lab = new byte[w * h];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean in = x >= 8 + i && x < 30 + i && y >= 10 && y < 30;
                        px[(y * w + x) * 3] = (byte) (in ? 220 : 30);
                        lab[y * w + x] = (byte) (in ? 1 : 0);
                    }
                }
                Path f = tmp.resolve("img" + i + ".png");
                Files.write(f, org.scribbleseg.engine.image.ImageFixtures.encode8(".png", w, h, 3, px));
                var e = s.addImage(f, "sha-" + i, w, h, org.scribbleseg.engine.project.Split.NONE);
                ids.add(e.id());
                if (i < 6) {
                    s.setMask(e.id(), new org.scribbleseg.engine.image.LabelMap(w, h, lab), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
                }
            }
        }
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("random_tower", "tiny");
        cfg.put("steps", 2);
        cfg.put("crop", 64);
        cfg.put("decoder_channels", 16);
        try (SemiVlJob job = new SemiVlJob()) {
            job.init(new HeavyContext(cfg, dir, tmp.resolve("run-held"), Device.cpu()));
            // 6 accepted masks in id order: the 1st and the 6th are held out; 4 labelled, 2 unlabelled
            assertThat(job.heldOutIds()).containsExactly(ids.get(0), ids.get(5));
            assertThat(job.recipe().path("labelled_images").asInt()).isEqualTo(4);
            assertThat(job.recipe().path("unlabelled_images").asInt()).isEqualTo(2);
            job.step(0);
            var m = job.evaluate();
            assertThat(m.get("held_out_images")).isEqualTo(2.0);
            assertThat(m.get("miou")).isBetween(0.0, 1.0);
            org.scribbleseg.engine.heavy.Checkpoint.Writer w = new org.scribbleseg.engine.heavy.Checkpoint.Writer();
            job.save(w);
            Path ck = w.write(tmp.resolve("run-held"), 1);
            var rec = new org.scribbleseg.engine.project.RunRecord("r", SemiVlJob.METHOD, "{}", "cpu", 0, "", "done", 1, 2,
                    ck.toString(), "", 0, 0);
            assertThat(org.scribbleseg.engine.heavy.RunPredictor.heldOut(rec)).containsExactlyInAnyOrder(ids.get(0), ids.get(5));
        }
    }
}
