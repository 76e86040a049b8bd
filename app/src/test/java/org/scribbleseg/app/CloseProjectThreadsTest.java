package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Closing a project ends its threads: the window's background threads (store, images, thumbnails, long commands)
 * and its engine's (job lanes, accept tracker) are gone once the project has closed, so an app that opens one project
 * after another does not collect a set of threads per project it ever opened.
 */
class CloseProjectThreadsTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    private static Set<Thread> projectThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("sseg-") || t.getName().matches("scribbleseg-(store|images|ui-jobs|thumbnails)"))
                .collect(Collectors.toSet());
    }

    @Test
    void closingTheProjectLeavesNoThreadOfItAlive(FxRobot robot) throws Exception {
        waitIdle();
        ImageCanvas canvas = fx(() -> app.window().canvas());
        robot.moveTo(fx(() -> canvas.localToScreen(canvas.getWidth() * 0.3, canvas.getHeight() * 0.5)))
                .press(MouseButton.PRIMARY)
                .moveTo(fx(() -> canvas.localToScreen(canvas.getWidth() * 0.7, canvas.getHeight() * 0.5)))
                .release(MouseButton.PRIMARY);
        waitIdle();
        Set<Thread> used = projectThreads();
        assertThat(used).extracting(Thread::getName).as("the open project works on its own threads")
                .contains("scribbleseg-store", "scribbleseg-images", "scribbleseg-thumbnails")
                .anyMatch(n -> n.startsWith("sseg-features"));

        fx(() -> {
            app.closeProject();
            return null;
        });
        app.lastClosed().get(30, TimeUnit.SECONDS);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (used.stream().anyMatch(Thread::isAlive) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(used.stream().filter(Thread::isAlive).map(Thread::getName).sorted().toList())
                .as("threads of the closed project still alive").isEmpty();
        assertThat(fx(() -> app.window())).isNull();
    }
}
