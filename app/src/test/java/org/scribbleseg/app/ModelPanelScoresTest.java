package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scribbleseg.engine.job.EngineEvent;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The model panel shows what the predictor switch compared: mIoU and boundary F of the heavy model and of the live
 * head on the same accepted masks, and nothing while no comparison was made.
 */
@ExtendWith(ApplicationExtension.class)
class ModelPanelScoresTest {
    private ModelPanel panel;

    @Start
    void start(Stage stage) {
        panel = new ModelPanel();
        stage.setScene(new Scene(panel, 320, 480));
        stage.show();
    }

    private static String text(FxRobot robot) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> ((Label) robot.lookup("#predictorScores").query()).getText()).get(10, TimeUnit.SECONDS);
    }

    private void send(EngineEvent e) throws Exception {
        WaitForAsyncUtils.asyncFx(() -> panel.onEvents(List.of(e))).get(10, TimeUnit.SECONDS);
    }

    @Test
    void bothModelsScoresAreShownAfterAComparisonAndClearedWithout(FxRobot robot) throws Exception {
        assertThat(text(robot)).isEmpty();
        send(new EngineEvent.PredictorChanged("run:ddep-1", "sharp decoder 1", "sharp decoder 1 is showing: mIoU 0.812 on 5 accepted masks vs 0.774",
                true, EngineEvent.PredictorChanged.AUTO, "run:ddep-1", "sharp decoder 1", new EngineEvent.PredictorChanged.Scores(0.8121, 0.655, 0.7744, 0.6012, 5)));
        assertThat(text(robot)).isEqualTo("mIoU 0.812 vs 0.774 · boundary F 0.655 vs 0.601 (heavy vs live head, 5 accepted masks)");
        send(new EngineEvent.PredictorChanged("live-head", "the live head", "the live head is showing: no heavy model has finished training",
                false, EngineEvent.PredictorChanged.AUTO, null, null, null));
        assertThat(text(robot)).isEmpty();
    }
}
