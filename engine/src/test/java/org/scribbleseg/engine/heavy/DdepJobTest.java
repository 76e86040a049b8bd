package org.scribbleseg.engine.heavy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.predict.Predictor;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.DdepTrainer;

/**
 * DDeP as a heavy job in real worker processes: denoising then fine-tuning; kill -9 during the denoising and resume
 * ends with the same decoder and the same AdamW moments as an uninterrupted run; the finished run is the "sharp
 * decoder" predictor over the live backbone's features.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class DdepJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Map<String, float[]> tensors(Path file) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Safetensors st = Safetensors.open(file)) {
            for (String n : st.names()) {
                if (st.info(n).dtype().isFloating()) {
                    out.put(n, st.floats(n));
                }
            }
        }
        return out;
    }

    @Test
    void killedDuringDenoisingResumesToTheSameDecoderAndBecomesTheSharpDecoder() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 3);
        ObjectNode cfg = JSON.createObjectNode().put("pretrain_steps", 120).put("finetune_steps", 40).put("seed", 4)
                .put("checkpoint_every", 20);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            List<EngineEvent.HeavyRunUpdate> updates = new CopyOnWriteArrayList<>();
            engine.addListener(e -> {
                if (e instanceof EngineEvent.HeavyRunUpdate u) {
                    updates.add(u);
                }
            });
            String a = engine.heavy().start(DdepJob.METHOD, cfg, "cpu");
            assertThat(engine.heavy().handle(a).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            RunRecord ra = engine.store().run(a).orElseThrow();
            assertThat(ra.step()).isEqualTo(160);
            assertThat(ra.metricsJson()).contains("train_miou");
            Path ckA = Path.of(ra.checkpoint());

            String b = engine.heavy().start(DdepJob.METHOD, cfg, "cpu");
            long end = System.currentTimeMillis() + 600_000;
            while (updates.stream().noneMatch(u -> u.runId().equals(b) && u.step() >= 50) && System.currentTimeMillis() < end) {
                Thread.sleep(10);
            }
            engine.heavy().workerProcess(b).orElseThrow().destroyForcibly(); // SIGKILL, while denoising
            engine.heavy().handle(b).ifPresent(h -> {
                try {
                    h.outcome().get(300, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            RunRecord killed = engine.store().run(b).orElseThrow();
            assertThat(killed.state()).isEqualTo(RunRecord.FAILED);
            assertThat(killed.step()).as("killed while denoising").isLessThan(120);
            engine.heavy().resume(b);
            assertThat(engine.heavy().handle(b).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Path ckB = Path.of(engine.store().run(b).orElseThrow().checkpoint());

            for (String f : List.of(DdepTrainer.CHECKPOINT_DECODER, DdepTrainer.CHECKPOINT_OPTIMIZER)) {
                Map<String, float[]> x = tensors(ckA.resolve(f));
                Map<String, float[]> y = tensors(ckB.resolve(f));
                assertThat(y.keySet()).isEqualTo(x.keySet()).isNotEmpty();
                for (String n : x.keySet()) {
                    assertThat(y.get(n)).as(f + " " + n + " bit-identical after kill -9 and resume").isEqualTo(x.get(n));
                }
            }
            try (Safetensors st = Safetensors.open(ckB.resolve(DdepTrainer.CHECKPOINT_DECODER))) {
                assertThat(st.info("head.weight").shape()[0]).as("fine-tuned: one output per class").isEqualTo(2);
                assertThat(st.contains("skip.weight")).as("by default the decoder follows the live head (skip path)").isTrue();
            }

            RunRecord rb = engine.store().run(b).orElseThrow();
            org.scribbleseg.engine.model.ClassicBackbone live = new org.scribbleseg.engine.model.ClassicBackbone();
            assertThat(live.key()).isEqualTo(engine.backboneKey());
            try (Predictor p = RunPredictor.of(rb, engine::loadImage, e -> live.features(engine.loadImage(e)), live.key()).orElseThrow()) {
                assertThat(p.description()).startsWith("sharp decoder");
                var img = engine.store().images().get(0);
                var pred = p.predict(img, true);
                assertThat(pred.labels().width()).isEqualTo(96);
                assertThat(pred.confidence()).hasSize(96 * 80);
            }
            assertThat(RunPredictor.of(rb, engine::loadImage, engine::features, "dinov2-small@518")).as("another backbone").isEmpty();
            var status = engine.reviewPredictors();
            assertThat(status.heavyAvailable()).isTrue();
            assertThat(status.reason()).doesNotContain("cannot predict");
        }
    }
}
