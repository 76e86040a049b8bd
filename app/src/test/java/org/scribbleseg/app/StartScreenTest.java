package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.ListView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Without a project the start screen shows; a recent project opens (Enter on it); a broken one explains itself. */
class StartScreenTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TestImages.grey(images, "only.png", 200, 100, GREY);
        try (var engine = ProjectCreator.create(images, "recent", null).engine()) {
            projectDir = engine.store().root();
        }
        Prefs.addRecent(projectDir);
        app = new ScribbleSegApp();
        app.startWith(stage, null);
    }

    @Test
    void opensARecentProjectAndExplainsAMissingOne(FxRobot robot) throws Exception {
        assertThat(robot.lookup("#createProject").queryAs(Button.class).isDisabled()).isFalse();
        assertThat(robot.lookup("#importVoc").queryAs(Button.class).isDisabled()).isFalse();
        ListView<?> recent = robot.lookup("#recentProjects").queryAs(ListView.class);
        assertThat(fx(() -> recent.getItems().get(0))).isEqualTo(projectDir);

        // select the entry, then Enter (a double click's two clicks can land too far apart on a loaded machine)
        robot.clickOn(robot.lookup("#recentProjects .list-cell").nth(0).queryLabeled());
        robot.type(javafx.scene.input.KeyCode.ENTER);
        waitIdle();
        assertThat(fx(() -> app.window().engine().store().root())).isEqualTo(projectDir);
        assertThat(fx(() -> app.window().canvas().imageWidth())).isEqualTo(200);

        fx(() -> {
            app.closeProject();
            app.openProject(tmp.resolve("no-such.sseg"));
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-title").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.Label) n).getText().startsWith("Could not open no-such.sseg"))));
        assertThat(fx(() -> app.window())).isNull();
    }

    @Test
    void aZeroByteProjectDbIsRefusedAsDamagedAndLeftAlone(FxRobot robot) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty.sseg"));
        Files.createFile(empty.resolve("project.db"));
        fx(() -> {
            app.openProject(empty);
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-text").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.Label) n).getText().contains("damaged: the file is empty (0 bytes)"))));
        assertThat(fx(() -> app.window())).isNull();
        assertThat(Files.size(empty.resolve("project.db"))).isZero();
        try (var files = Files.list(empty)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("project.db");
        }
    }
}
