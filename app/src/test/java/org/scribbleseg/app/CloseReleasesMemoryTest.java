package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Closing a project gives its memory back: after a 3000×2000 image was shown with labels and a prediction, closing
 * the project and opening another leaves the heap near where it was before, even though the old canvas object itself
 * stays reachable (here from the test's variable; in the bench from TestFX, which records every event the stage saw
 * with the canvas as its target; in an app from a scene's last mouse event).
 */
class CloseReleasesMemoryTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void closingALargeImageProjectReleasesItsBuffers(FxRobot robot) throws Exception {
        waitIdle();
        Path large = largeImageProject(3000, 2000);

        long baseline = usedAfterGc(); // the small project open

        fx(() -> {
            app.closeProject();
            app.openProject(large);
            return null;
        });
        waitIdle();
        ImageCanvas canvas = fx(() -> app.window().canvas());
        assertThat(fx(canvas::imageWidth)).isEqualTo(3000);
        // a real stroke through the robot, and a prediction overlay as a PredictionsUpdated would show it
        robot.moveTo(fx(() -> canvas.localToScreen(canvas.getWidth() * 0.3, canvas.getHeight() * 0.5)))
                .press(MouseButton.PRIMARY)
                .moveTo(fx(() -> canvas.localToScreen(canvas.getWidth() * 0.7, canvas.getHeight() * 0.5)))
                .release(MouseButton.PRIMARY);
        waitIdle();
        fx(() -> {
            canvas.setPrediction(new int[3000 * 2000]);
            return null;
        });
        WeakReference<Object> shown = new WeakReference<>(fx(canvas::image));
        long open = usedAfterGc();
        assertThat(open - baseline).as("the open project's image buffers").isGreaterThan(60L << 20);

        fx(() -> {
            app.closeProject();
            return null;
        });
        app.lastClosed().get(30, TimeUnit.SECONDS);
        usedAfterGc();
        assertThat(shown.get()).as("the closed project's image").isNull();
        assertThat(fx(canvas::hasPrediction)).isFalse();

        // opening another project: JavaFX drops the textures of collected images the next time it draws one
        fx(() -> {
            app.openProject(projectDir);
            return null;
        });
        waitIdle();
        long reopened = usedAfterGc();
        assertThat(reopened - baseline).as("heap left by the closed project (MB): %d", (reopened - baseline) >> 20)
                .isLessThan(30L << 20);
    }

    private static long usedAfterGc() throws Exception {
        org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            org.testfx.util.WaitForAsyncUtils.waitForFxEvents();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
