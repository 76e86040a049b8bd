package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.RunRecord;

/**
 * A SemiVL run in a real worker process (child JVM) on a copy of the demo with the tiny CLIP fixture: killed with
 * SIGKILL after a checkpoint and resumed, it ends with the weights and optimizer state of an uninterrupted run of
 * the same config, bit for bit.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class SemiVlWorkerTest {
    @TempDir
    Path tmp;

    private static ObjectNode config(Path clip) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model", clip.toAbsolutePath().toString());
        c.put("steps", 12);
        c.put("crop", 64);
        c.put("decoder_channels", 16);
        c.put("seed", 5);
        c.put("checkpoint_every", 4);
        return c;
    }

    private static Map<String, Checkpoint.Tensor> finalTensors(Engine engine, String run) throws Exception {
        RunRecord r = engine.store().run(run).orElseThrow();
        assertThat(r.state()).isEqualTo(RunRecord.DONE);
        return Checkpoint.read(Path.of(r.checkpoint())).tensors();
    }

    @Test
    void killedSemiVlWorkerResumesToTheSameWeightsAsAnUninterruptedRun() throws Exception {
        Path clip = SemiVlJobTest.clipTiny();
        Path project = SemiVlJobTest.demoCopy(tmp);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            List<EngineEvent.HeavyRunUpdate> updates = new CopyOnWriteArrayList<>();
            engine.addListener(e -> {
                if (e instanceof EngineEvent.HeavyRunUpdate u) {
                    updates.add(u);
                }
            });
            String a = engine.heavy().start(SemiVlJob.METHOD, config(clip), "cpu");
            assertThat(engine.heavy().handle(a).orElseThrow().outcome().get(1200, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> uninterrupted = finalTensors(engine, a);

            String b = engine.heavy().start(SemiVlJob.METHOD, config(clip), "cpu");
            long end = System.currentTimeMillis() + 900_000;
            while (updates.stream().noneMatch(u -> u.runId().equals(b) && u.step() >= 5 && u.state().equals("running"))) {
                assertThat(System.currentTimeMillis()).as("run b reaches step 5").isLessThan(end);
                Thread.sleep(20);
            }
            engine.heavy().workerProcess(b).orElseThrow().destroyForcibly();
            engine.heavy().handle(b).ifPresent(h -> {
                try {
                    h.outcome().get(300, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            RunRecord killed = engine.store().run(b).orElseThrow();
            assertThat(killed.state()).isEqualTo(RunRecord.FAILED);
            assertThat(killed.step()).isLessThan(12);
            assertThat(killed.checkpoint()).as("a checkpoint before the kill").isNotNull();

            engine.heavy().resume(b);
            assertThat(engine.heavy().handle(b).orElseThrow().outcome().get(1200, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> resumed = finalTensors(engine, b);
            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet());
            assertThat(resumed.keySet()).anyMatch(n -> n.startsWith("param.backbone.")).anyMatch(n -> n.startsWith("param.decode_head."))
                    .anyMatch(n -> n.startsWith("opt.exp_avg."));
            // bit-identical: same seed, one libtorch thread, the checkpoint holds weights, AdamW state, RNG and cursors
            for (String n : uninterrupted.keySet()) {
                assertThat(resumed.get(n).data()).as(n + " after kill -9 and resume vs uninterrupted")
                        .containsExactly(uninterrupted.get(n).data());
            }
        }
    }
}
