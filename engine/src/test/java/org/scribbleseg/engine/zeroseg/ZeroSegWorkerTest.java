package org.scribbleseg.engine.zeroseg;

import static org.assertj.core.api.Assertions.assertThat;

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
 * ZeroSeg in real worker processes on an unlabelled project: a run killed with SIGKILL after a checkpoint and
 * resumed in a new worker ends with the same weights as an uninterrupted run.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class ZeroSegWorkerTest {
    @TempDir
    Path tmp;

    private static Map<String, Checkpoint.Tensor> finalWeights(Engine engine, String runId) throws Exception {
        RunRecord r = engine.store().run(runId).orElseThrow();
        assertThat(r.state()).isEqualTo(RunRecord.DONE);
        return Checkpoint.read(Path.of(r.checkpoint())).tensors();
    }

    @Test
    void killedWorkerResumesToTheSameWeightsAsAnUninterruptedRun() throws Exception {
        Path project = ZeroSegTestProjects.unlabelled(tmp, 3);
        ObjectNode cfg = ZeroSegJobTest.config(24);
        cfg.put("checkpoint_every", 6);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            List<EngineEvent.HeavyRunUpdate> updates = new CopyOnWriteArrayList<>();
            engine.addListener(e -> {
                if (e instanceof EngineEvent.HeavyRunUpdate u) {
                    updates.add(u);
                }
            });
            String a = engine.heavy().start(ZeroSegJob.METHOD, cfg, "cpu");
            assertThat(engine.heavy().handle(a).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> uninterrupted = finalWeights(engine, a);

            String b = engine.heavy().start(ZeroSegJob.METHOD, cfg, "cpu");
            long end = System.currentTimeMillis() + 600_000;
            while (updates.stream().noneMatch(u -> u.runId().equals(b) && u.state().equals("running") && u.step() >= 8)) {
                assertThat(System.currentTimeMillis()).as("run b reaches step 8").isLessThan(end);
                Thread.sleep(20);
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
            assertThat(killed.step()).as("killed mid-run").isLessThan(24);
            assertThat(killed.checkpoint()).as("a checkpoint was written before the kill").isNotNull();

            engine.heavy().resume(b);
            assertThat(engine.heavy().handle(b).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> resumed = finalWeights(engine, b);
            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet()).anyMatch(n -> n.startsWith("adamw."));
            for (String name : uninterrupted.keySet()) {
                assertThat(resumed.get(name).data()).as(name + " bit-identical after kill -9 and resume").isEqualTo(uninterrupted.get(name).data());
            }
            assertThat(engine.store().run(b).orElseThrow().metricsJson()).contains("loss_distill");
        }
    }
}
