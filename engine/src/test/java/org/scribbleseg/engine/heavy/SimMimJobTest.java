package org.scribbleseg.engine.heavy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.feature.Dinov2Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.TorchThreads;

/**
 * SimMIM as a heavy job: a short CPU run on the shipped demo project lowers the masked-patch L1 and writes the
 * reconstruction preview; the checkpoint serves as a backbone; in real worker processes, kill -9 and resume end
 * with the same weights (encoder, decoder) as an uninterrupted run, AdamW moments included.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class SimMimJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A tiny ViT so tests take seconds: 32 px views, patch 8 (a 4×4 grid), width 32, 2 blocks. */
    static ObjectNode tiny(long steps) {
        ObjectNode c = JSON.createObjectNode();
        c.put("steps", steps).put("size", 32).put("patch", 8).put("width", 32).put("depth", 2).put("heads", 4)
                .put("mlp", 64).put("batch", 4).put("lr", 1e-3).put("seed", 5).put("feature_resolution", 64);
        return c;
    }

    @Test
    void aShortCpuRunOnTheDemoLowersTheMaskedL1WritesAPreviewAndBecomesABackbone() throws Exception {
        Path demo = org.scribbleseg.engine.testutil.DemoCopy.make(tmp);
        int threads = TorchThreads.set(1);
        Path runDir = tmp.resolve("run");
        try (SimMimJob job = new SimMimJob()) {
            job.init(new HeavyContext(tiny(80), demo, runDir, Device.cpu()));
            assertThat(job.imageCount()).isEqualTo(11);
            assertThat(job.totalSteps()).isEqualTo(80);
            double before = job.evaluate().get("masked_l1");
            for (int i = 0; i < 80; i++) {
                assertThat(job.step(i)).isFinite();
            }
            double after = job.evaluate().get("masked_l1");
            assertThat(after).as("masked-patch L1 on fixed views after 80 steps vs before").isLessThan(0.85 * before);
            RgbImage preview = ImageLoader.load(runDir.resolve(SimMimJob.PREVIEW));
            assertThat(preview.width()).isEqualTo(3 * 32 + 2 * 2);
            assertThat(preview.height()).isEqualTo(4 * 32 + 3 * 2);

            Checkpoint.Writer w = new Checkpoint.Writer();
            job.save(w);
            w.write(runDir, 80);
        } finally {
            TorchThreads.set(threads);
        }
        try (Dinov2Backbone bb = SimMimJob.backbone(runDir, "project-vit-run", 0)) {
            assertThat(bb.key()).isEqualTo("project-vit-run@64");
            assertThat(bb.channels()).isEqualTo(32);
            FeatureMap f = bb.features(new RgbImage(40, 30, new byte[40 * 30 * 3]));
            // long side 64, patch 8: an 8×6 grid
            assertThat(f.width()).isEqualTo(8);
            assertThat(f.height()).isEqualTo(6);
        }
    }

    @Test
    void killedWorkerResumesToTheSameWeightsAsAnUninterruptedRun() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 3);
        ObjectNode cfg = tiny(400).put("checkpoint_every", 40).put("batch", 2);
        String a;
        String b;
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            java.util.List<EngineEvent.HeavyRunUpdate> updates = new CopyOnWriteArrayList<>();
            engine.addListener(e -> {
                if (e instanceof EngineEvent.HeavyRunUpdate u) {
                    updates.add(u);
                }
            });
            a = engine.heavy().start(SimMimJob.METHOD, cfg, "cpu");
            assertThat(engine.heavy().handle(a).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            RunRecord ra = engine.store().run(a).orElseThrow();
            Map<String, Checkpoint.Tensor> uninterrupted = Checkpoint.read(Path.of(ra.checkpoint())).tensors();
            assertThat(ra.metricsJson()).contains("masked_l1");
            assertThat(Path.of(ra.checkpoint()).getParent().resolve(SimMimJob.PREVIEW)).isRegularFile();

            b = engine.heavy().start(SimMimJob.METHOD, cfg, "cpu");
            long end = System.currentTimeMillis() + 600_000;
            String runB = b;
            while (updates.stream().noneMatch(u -> u.runId().equals(runB) && u.step() >= 100) && System.currentTimeMillis() < end) {
                Thread.sleep(10);
            }
            engine.heavy().workerProcess(b).orElseThrow().destroyForcibly(); // SIGKILL
            engine.heavy().handle(b).ifPresent(h -> {
                try {
                    h.outcome().get(300, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            RunRecord killed = engine.store().run(b).orElseThrow();
            assertThat(killed.state()).isEqualTo(RunRecord.FAILED);
            assertThat(killed.step()).as("killed mid-run").isLessThan(400);
            assertThat(killed.checkpoint()).isNotNull();
            assertThat(Path.of(killed.checkpoint()).resolve(SimMimJob.OPTIMIZER)).as("AdamW state in the checkpoint").isRegularFile();

            engine.heavy().resume(b);
            assertThat(engine.heavy().handle(b).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            RunRecord rb = engine.store().run(b).orElseThrow();
            Map<String, Checkpoint.Tensor> resumed = Checkpoint.read(Path.of(rb.checkpoint())).tensors();
            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet()).contains("param.decoder.weight",
                    "param.encoder.embeddings.mask_token");
            for (String n : uninterrupted.keySet()) {
                assertThat(resumed.get(n).data()).as(n + " bit-identical after kill -9 and resume").isEqualTo(uninterrupted.get(n).data());
            }
            assertThat(Backbones.projectVitChoices(engine.store().runs())).containsExactly(Backbones.PROJECT_VIT + b,
                    Backbones.PROJECT_VIT + a);
            engine.store().setSetting(Engine.BACKBONE_SETTING, Backbones.PROJECT_VIT + a);
        }
        // the run is the project's backbone now: the live head trains on its features and predicts
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            assertThat(engine.backboneKey()).isEqualTo("project-vit-" + a + "-s400@64");
            assertThat(engine.features(engine.store().images().get(0)).channels()).isEqualTo(32);
            assertThat(engine.trainNow()).isTrue();
            assertThat(engine.head()).isPresent();
            var pred = engine.predict(engine.head().get(), engine.store().images().get(0), false);
            assertThat(pred.labels().width()).isEqualTo(96);
        }
        try (var bb = Backbones.explicit(Backbones.PROJECT_VIT + "nope", project.resolve("models"))) {
            throw new AssertionError("a missing run must not load: " + bb.key());
        } catch (org.scribbleseg.engine.project.ProjectException e) {
            assertThat(e.getMessage()).contains("nope").contains("no checkpoint");
        }
    }
}
