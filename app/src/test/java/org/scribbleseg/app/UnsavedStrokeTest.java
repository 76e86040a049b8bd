package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.project.ClassDef;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Issue 13: another program holds the project's write lock for longer than the store waits, so a stroke cannot be
 * saved. The app says so and the canvas no longer shows the stroke (it must never show what the store lacks).
 */
class UnsavedStrokeTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void aStrokeTheStoreCouldNotSaveIsTakenOffTheCanvas(FxRobot robot) throws Exception {
        waitIdle();
        labelsOnly();
        long image = fx(() -> app.window().currentImage());
        ClassDef cat = store().addClass("cat", VocPalette.rgb(8), 8, "", List.of());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> app.window().palette().classes().size() == 2));
        fx(() -> {
            app.window().palette().selectByNumber(2);
            app.window().canvas().requestFocus();
            return null;
        });
        waitIdle();
        int grey = (GREY << 16) | (GREY << 8) | GREY;
        String timeout = System.getProperty("scribbleseg.db.busyTimeoutMs");
        String budget = System.getProperty("scribbleseg.db.retryBudgetMs");
        System.setProperty("scribbleseg.db.busyTimeoutMs", "100");
        System.setProperty("scribbleseg.db.retryBudgetMs", "800");
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + projectDir.resolve("project.db"));
                Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // e.g. a long CLI import holding the write lock
            robot.type(KeyCode.P);
            robot.moveTo(screen(150, 60)).clickOn(MouseButton.PRIMARY);
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-title").queryAll().stream()
                    .anyMatch(n -> ((Label) n).getText().startsWith("The stroke was not saved"))));
            waitIdle();
            assertColor(pixelAt(150, 60), grey, 4);
            st.execute("ROLLBACK");
        } finally {
            restore("scribbleseg.db.busyTimeoutMs", timeout);
            restore("scribbleseg.db.retryBudgetMs", budget);
        }
        assertThat(store().strokes(image)).isEmpty();
        // with the lock gone the same click is saved and shown
        robot.moveTo(screen(150, 60)).clickOn(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 1);
        waitIdle();
        assertColor(pixelAt(150, 60), blended(cat.rgb()), 10);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
