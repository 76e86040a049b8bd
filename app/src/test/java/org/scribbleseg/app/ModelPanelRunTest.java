package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.job.EngineEvent;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * A background run in a real worker, seen in the Model panel: one point per evaluation on its curve (and its loss),
 * and the Show control pins the overlay's model: the run, then the live head, each named with the reason.
 */
class ModelPanelRunTest extends WorkerAppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startScribbledPair(stage, "curve");
    }

    private String label(FxRobot robot, String id) throws Exception {
        return fx(() -> robot.lookup(id).tryQuery().map(n -> ((Label) n).getText()).orElse(""));
    }

    @SuppressWarnings("unchecked")
    private void pick(FxRobot robot, String choiceId) throws Exception {
        fx(() -> {
            ComboBox<ModelPanel.Choice> c = robot.lookup("#predictorChoice").queryAs(ComboBox.class);
            c.getSelectionModel().select(c.getItems().stream().filter(x -> x.id().equals(choiceId)).findFirst().orElseThrow());
            return null;
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunWithThreeEvaluationsShowsThreePointsAndTheShowControlPinsTheModel(FxRobot robot) throws Exception {
        waitIdle();
        String run = app.window().engine().heavy().start("conv-probe",
                Map.of("steps", 30, "eval_every", 10, "size", 24, "hidden", 8, "seed", 5), "cpu");
        assertThat(app.window().engine().heavy().handle(run).orElseThrow().outcome().get(600, TimeUnit.SECONDS))
                .isEqualTo(EngineEvent.Outcome.COMPLETED);

        // the curve: evaluations at steps 10, 20, 30, each a drawn point, with the mean training loss
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> app.window().modelPanel().runCurve().qualityPoints() == 3));
        List<XYChart.Series<Number, Number>> series = fx(() -> List.copyOf(robot.lookup("#runCurveChart").queryAs(LineChart.class).getData()));
        XYChart.Series<Number, Number> quality = series.get(0);
        assertThat(fx(() -> quality.getData().stream().map(d -> d.getXValue().longValue()).toList())).containsExactly(10L, 20L, 30L);
        assertThat(fx(() -> quality.getData().stream().allMatch(d -> d.getNode() != null && d.getNode().isVisible()))).isTrue();
        assertThat(fx(() -> app.window().modelPanel().runCurve().lossPoints())).isEqualTo(3);
        assertThat(label(robot, "#runCurveTitle")).contains("conv-probe").contains(run);
        assertThat(label(robot, "#runCurveSummary")).startsWith("3 evaluations, last at step 30");

        // the run is offered once the engine compared it (nothing accepted since: Auto shows the live head)
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#predictorChoice").queryAs(ComboBox.class).getItems().size() == 3
                && !robot.lookup("#predictorChoice").queryAs(ComboBox.class).isDisabled()));
        assertThat(label(robot, "#predictorShowing")).startsWith("the live head");

        pick(robot, "run:" + run);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> label(robot, "#predictorShowing").startsWith("conv-probe run"));
        assertThat(label(robot, "#predictorReason")).contains("because you chose it");
        assertThat(app.window().engine().currentPredictor().id()).isEqualTo("run:" + run);

        pick(robot, EngineEvent.PredictorChanged.LIVE);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> label(robot, "#predictorShowing").startsWith("the live head"));
        assertThat(label(robot, "#predictorReason")).startsWith("the live head is showing because you chose it");
        assertThat(app.window().engine().currentPredictor().id()).isEqualTo("live-head");
        assertThat(fx(() -> ((ModelPanel.Choice) robot.lookup("#predictorChoice").queryAs(ComboBox.class).getValue()).id()))
                .isEqualTo(EngineEvent.PredictorChanged.LIVE);
    }
}
