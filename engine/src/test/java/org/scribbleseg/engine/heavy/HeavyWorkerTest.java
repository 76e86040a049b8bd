package org.scribbleseg.engine.heavy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * Heavy runs in real worker processes (child JVMs on the test class path) training a real DJL model on a real
 * project: kill -9 and resume ends with the same weights as an uninterrupted run; a worker that exits or runs out of
 * memory fails its run with the reason while the engine goes on; pause holds the run still; closing the project
 * leaves the run resumable.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class HeavyWorkerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static ObjectNode probeConfig(int steps) {
        ObjectNode c = JSON.createObjectNode();
        c.put("steps", steps);
        c.put("size", 24);
        c.put("hidden", 8);
        c.put("seed", 11);
        c.put("checkpoint_every", 25);
        return c;
    }

    private static final class Recorder implements org.scribbleseg.engine.job.EngineListener {
        final List<EngineEvent.HeavyRunUpdate> updates = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(EngineEvent e) {
            if (e instanceof EngineEvent.HeavyRunUpdate u) {
                updates.add(u);
            }
        }

        EngineEvent.HeavyRunUpdate await(Predicate<EngineEvent.HeavyRunUpdate> p, long ms) throws InterruptedException {
            long end = System.currentTimeMillis() + ms;
            while (System.currentTimeMillis() < end) {
                for (EngineEvent.HeavyRunUpdate u : updates) {
                    if (p.test(u)) {
                        return u;
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no such update within " + ms + " ms; got " + updates.subList(Math.max(0, updates.size() - 5), updates.size()));
        }
    }

    private static Map<String, Checkpoint.Tensor> finalWeights(Engine engine, String runId) throws Exception {
        RunRecord r = engine.store().run(runId).orElseThrow();
        assertThat(r.state()).isEqualTo(RunRecord.DONE);
        return Checkpoint.read(Path.of(r.checkpoint())).tensors();
    }

    @Test
    void killedWorkerResumesToTheSameWeightsAsAnUninterruptedRun() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 4);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            Recorder rec = new Recorder();
            engine.addListener(rec);

            String a = engine.heavy().start(ConvProbeJob.METHOD, probeConfig(300), "cpu");
            assertThat(engine.heavy().handle(a).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> uninterrupted = finalWeights(engine, a);

            String b = engine.heavy().start(ConvProbeJob.METHOD, probeConfig(300), "cpu");
            rec.await(u -> u.runId().equals(b) && u.state().equals("running") && u.step() >= 60, 600_000);
            ProcessHandle worker = engine.heavy().workerProcess(b).orElseThrow();
            worker.destroyForcibly(); // SIGKILL
            assertThat(engine.heavy().handle(b).map(h -> {
                try {
                    return h.outcome().get(300, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).orElse(EngineEvent.Outcome.FAILED)).isEqualTo(EngineEvent.Outcome.FAILED);
            RunRecord killed = engine.store().run(b).orElseThrow();
            assertThat(killed.state()).isEqualTo(RunRecord.FAILED);
            assertThat(killed.message()).contains("killed");
            assertThat(killed.step()).as("killed mid-run").isLessThan(300);
            assertThat(killed.checkpoint()).as("a checkpoint was written before the kill").isNotNull();

            engine.heavy().resume(b);
            assertThat(engine.heavy().handle(b).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            Map<String, Checkpoint.Tensor> resumed = finalWeights(engine, b);
            assertThat(rec.updates).anyMatch(u -> u.runId().equals(b) && u.message().startsWith("resum"));

            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet());
            for (String name : uninterrupted.keySet()) {
                assertThat(resumed.get(name).data()).as(name + " bit-identical after kill -9 and resume").isEqualTo(uninterrupted.get(name).data());
            }
            assertThat(engine.store().run(b).orElseThrow().metricsJson()).contains("train_miou");
        }
    }

    @Test
    void aWorkerThatExitsInsideAJobFailsTheRunAndTheEngineGoesOn() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 2);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            ObjectNode c = JSON.createObjectNode().put("steps", 50).put("crash_at", 5).put("how", "exit");
            String run = engine.heavy().start("crash-test", c, "cpu");
            var h = engine.heavy().handle(run).orElseThrow();
            assertThat(h.outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.FAILED);
            assertThat(h.failure()).contains("exited with code 7");
            assertThat(engine.store().run(run).orElseThrow().state()).isEqualTo(RunRecord.FAILED);
            // the engine still works: a stroke commits, and the next heavy run gets a fresh worker
            long img = engine.store().images().get(0).id();
            engine.store().commitStroke(img, engine.store().classes().get(1).id(), StrokeKind.SCRIBBLE, 3, new float[] {20, 20, 30, 30});
            String next = engine.heavy().start(ConvProbeJob.METHOD, probeConfig(10), "cpu");
            assertThat(engine.heavy().handle(next).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
        }
    }

    @Test
    void outOfMemoryInsideAJobFailsTheRunWithTheReason() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 2);
        System.setProperty("scribbleseg.worker.xmx", "96m");
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            ObjectNode c = JSON.createObjectNode().put("steps", 50).put("crash_at", 3).put("how", "oom");
            String run = engine.heavy().start("crash-test", c, "cpu");
            var h = engine.heavy().handle(run).orElseThrow();
            assertThat(h.outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.FAILED);
            assertThat(h.failure()).startsWith("out of memory").contains("heap limit");
            assertThat(engine.store().run(run).orElseThrow().message()).startsWith("out of memory");
        } finally {
            System.setProperty("scribbleseg.worker.xmx", "768m");
        }
    }

    @Test
    void pauseHoldsTheRunAtACheckpointAndResumeFinishesIt() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 3);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            Recorder rec = new Recorder();
            engine.addListener(rec);
            String run = engine.heavy().start(ConvProbeJob.METHOD, probeConfig(400), "cpu");
            rec.await(u -> u.runId().equals(run) && u.step() >= 20, 600_000);
            assertThat(engine.heavy().pause(run)).isTrue();
            EngineEvent.HeavyRunUpdate paused = rec.await(u -> u.runId().equals(run) && u.state().equals("paused"), 600_000);
            RunRecord r = engine.store().run(run).orElseThrow();
            assertThat(r.state()).isEqualTo(RunRecord.PAUSED);
            assertThat(r.checkpoint()).as("pausing writes a checkpoint").endsWith(Checkpoint.name(r.step()));
            Thread.sleep(1500);
            long stepNow = engine.store().run(run).orElseThrow().step();
            assertThat(stepNow).as("no steps while paused").isEqualTo(r.step());
            assertThat(rec.updates.get(rec.updates.size() - 1).step()).isEqualTo(paused.step());
            assertThat(engine.heavy().unpause(run)).isTrue();
            assertThat(engine.heavy().handle(run).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            assertThat(engine.store().run(run).orElseThrow().step()).isEqualTo(400);
            // the finished model is compared with the live head, but no mask was accepted since it took its data
            var status = engine.reviewPredictors();
            assertThat(status.heavyAvailable()).isTrue();
            assertThat(status.predictorId()).isEqualTo("live-head");
            assertThat(status.reason()).contains("conv-probe run").contains("(0 so far, 3 needed)");
            assertThat(engine.currentPredictor().id()).isEqualTo("live-head");
        }
    }

    @Test
    void closingTheProjectLeavesTheRunResumableNextSession() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 3);
        String run;
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            Recorder rec = new Recorder();
            engine.addListener(rec);
            run = engine.heavy().start(ConvProbeJob.METHOD, probeConfig(400), "cpu");
            rec.await(u -> u.runId().equals(run) && u.step() >= 10, 600_000);
        }
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            assertThat(engine.heavy().interrupted()).extracting(RunRecord::id).containsExactly(run);
            RunRecord r = engine.heavy().interrupted().get(0);
            assertThat(r.state()).isEqualTo(RunRecord.PAUSED);
            assertThat(r.message()).contains("closed");
            engine.heavy().resume(run);
            assertThat(engine.heavy().handle(run).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            assertThat(engine.heavy().interrupted()).isEmpty();
        }
    }
}
