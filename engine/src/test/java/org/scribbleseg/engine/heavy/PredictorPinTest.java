package org.scribbleseg.engine.heavy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.RunRecord;

/**
 * A finished run in a real worker: its evaluations (with the training loss) come as events and stay in its record;
 * the user's choice of model pins the overlay's predictor until Auto, whatever the comparison says.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.scribbleseg.engine.testutil.SmallWorkers.class)
class PredictorPinTest {
    @TempDir
    Path tmp;

    @Test
    void aChosenModelStaysUntilAutoAndTheRunsEvaluationsAreKept() throws Exception {
        Path project = HeavyTestProjects.make(tmp, 3);
        try (Engine engine = Engine.open(project)) {
            engine.setLiveUpdate(false);
            List<EngineEvent> events = new CopyOnWriteArrayList<>();
            engine.addListener(events::add);
            ObjectNode c = new ObjectMapper().createObjectNode();
            c.put("steps", 30);
            c.put("eval_every", 10);
            c.put("size", 24);
            c.put("hidden", 8);
            c.put("seed", 11);
            String run = engine.heavy().start(ConvProbeJob.METHOD, c, "cpu");
            assertThat(engine.heavy().handle(run).orElseThrow().outcome().get(900, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);

            // evaluations at steps 10, 20 and the end, each with the mean training loss since the previous one
            List<RunRecord.Evaluation> evs = engine.heavy().latest().orElseThrow().evaluations();
            assertThat(evs).extracting(RunRecord.Evaluation::step).containsExactly(10L, 20L, 30L);
            assertThat(evs).allSatisfy(e -> assertThat(e.values().get("loss")).isPositive().isFinite());
            assertThat(events).filteredOn(e -> e instanceof EngineEvent.HeavyRunMetrics m && m.runId().equals(run)).hasSize(3);

            // Auto: no mask accepted since the run took its data, so the live head shows
            EngineEvent.PredictorChanged auto = engine.reviewPredictors();
            assertThat(auto.choice()).isEqualTo(EngineEvent.PredictorChanged.AUTO);
            assertThat(auto.predictorId()).isEqualTo("live-head");
            assertThat(auto.heavyId()).isEqualTo("run:" + run);

            // pinned to the run: it shows although it has not beaten the live head, and a later review keeps it
            EngineEvent.PredictorChanged pinned = engine.setPreferredPredictor("run:" + run);
            assertThat(pinned.predictorId()).isEqualTo("run:" + run);
            assertThat(pinned.reason()).contains("because you chose it").contains("not compared yet");
            assertThat(engine.currentPredictor().id()).isEqualTo("run:" + run);
            assertThat(engine.reviewPredictors().predictorId()).as("an accept re-scores but keeps the choice").isEqualTo("run:" + run);

            // pinned to the live head
            EngineEvent.PredictorChanged live = engine.setPreferredPredictor(EngineEvent.PredictorChanged.LIVE);
            assertThat(live.predictorId()).isEqualTo("live-head");
            assertThat(live.userChoseLive()).isTrue();
            assertThat(live.reason()).startsWith("the live head is showing because you chose it");
            assertThat(engine.currentPredictor().id()).isEqualTo("live-head");

            // back to Auto: the comparison decides again
            EngineEvent.PredictorChanged back = engine.setPreferredPredictor(EngineEvent.PredictorChanged.AUTO);
            assertThat(back.predictorId()).isEqualTo("live-head");
            assertThat(back.reason()).contains("(0 so far, 3 needed)");
            assertThat(events).filteredOn(e -> e instanceof EngineEvent.PredictorChanged).extracting(e -> ((EngineEvent.PredictorChanged) e).choice())
                    .contains("run:" + run, EngineEvent.PredictorChanged.LIVE, EngineEvent.PredictorChanged.AUTO);

            assertThatThrownBy(() -> engine.setPreferredPredictor("run:nope")).isInstanceOf(ProjectException.class);
            assertThat(engine.preferredPredictor()).isEqualTo(EngineEvent.PredictorChanged.AUTO);
        }
    }
}
