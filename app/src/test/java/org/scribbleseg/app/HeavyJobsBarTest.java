package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * A heavy run in a real worker process, seen in the app's status bar: progress with steps, Pause holds it, Resume
 * continues it, Cancel stops it (resumable), and a worker killed with SIGKILL leaves the window working with the run
 * shown failed and why.
 */
class HeavyJobsBarTest extends WorkerAppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startScribbledPair(stage, "heavy");
    }

    private String text(FxRobot robot) throws Exception {
        return fx(() -> robot.lookup("#heavyJobText").tryQuery().map(n -> ((Label) n).getText()).orElse(""));
    }

    private void waitText(FxRobot robot, String regex) throws Exception {
        WaitForAsyncUtils.waitFor(600, TimeUnit.SECONDS, () -> text(robot).matches(regex));
    }

    private boolean shown(FxRobot robot, String id) throws Exception {
        return fx(() -> robot.lookup(id).tryQuery().map(n -> n.isVisible() && n.getScene() != null && n.getParent() != null
                && n.getParent().isVisible()).orElse(false));
    }

    @Test
    void progressPauseResumeCancelAndAKilledWorker(FxRobot robot) throws Exception {
        waitIdle();
        fx(() -> {
            app.window().startHeavy("conv-probe", 3000);
            return null;
        });
        waitText(robot, "conv-probe \\d+/3000.*CPU");
        assertThat(fx(() -> robot.lookup("#heavyJobProgress").queryAs(javafx.scene.control.ProgressBar.class).getProgress())).isBetween(0.0, 1.0);

        robot.clickOn("#heavyJobPause");
        waitText(robot, "conv-probe paused at \\d+/3000");
        assertThat(fx(() -> robot.lookup("#heavyJobPause").queryAs(Button.class).getText())).isEqualTo("Resume");
        String runId = store().runs().get(0).id();
        assertThat(store().run(runId).orElseThrow().state()).isEqualTo(RunRecord.PAUSED);
        String pausedText = text(robot);
        Thread.sleep(1000);
        assertThat(text(robot)).as("no progress while paused").isEqualTo(pausedText);

        robot.clickOn("#heavyJobPause");
        waitText(robot, "conv-probe \\d+/3000.*");
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> store().run(runId).orElseThrow().state().equals(RunRecord.RUNNING));

        robot.clickOn("#heavyJobCancel");
        waitText(robot, "conv-probe stopped at \\d+/3000 \\(can be resumed\\)");
        assertThat(shown(robot, "#heavyJobResume")).isTrue();
        assertThat(store().run(runId).orElseThrow().state()).isEqualTo(RunRecord.CANCELLED);

        // resume from the bar, then kill the worker: the run shows failed with the reason, the window goes on
        robot.clickOn("#heavyJobResume");
        waitText(robot, "conv-probe \\d+/3000.*CPU");
        ProcessHandle worker = fx(() -> app.window().engine().heavy().workerProcess(runId).orElseThrow());
        worker.destroyForcibly();
        waitText(robot, "conv-probe failed: the worker process was killed.*");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-title").queryAll().stream()
                .anyMatch(n -> ((Label) n).getText().contains("failed"))));
        assertThat(store().run(runId).orElseThrow().state()).isEqualTo(RunRecord.FAILED);
        // the annotator still works: a stroke commits and the status bar answers
        long img = store().images().get(0).id();
        store().commitStroke(img, store().classes().get(store().classes().size() - 1).id(), StrokeKind.SCRIBBLE, 3, new float[] {80, 60, 90, 70});
        fx(() -> {
            app.window().undo();
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#statusBar").queryAs(org.controlsfx.control.StatusBar.class)
                .getText().startsWith("Undid")));
    }
}
