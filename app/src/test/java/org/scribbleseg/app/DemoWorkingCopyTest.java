package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The README's start command opens the shipped demo: the app works on a copy in the user data folder, the
 * repository's demo folder is left byte for byte as it was (so {@code git status} stays clean), and Reset demo (menu
 * and start screen) brings the copy back to the shipped state.
 */
class DemoWorkingCopyTest extends AppTestBase {
    static final Path TEMPLATE = Path.of("..", "projects", "demo", "demo.sseg").toAbsolutePath().normalize();

    Path data;
    Map<String, String> before;

    @Start
    void start(Stage stage) throws Exception {
        data = tmp.resolve("user-data");
        System.setProperty("scribbleseg.data", data.toString());
        System.setProperty("scribbleseg.demo", TEMPLATE.toString());
        before = listing(TEMPLATE.getParent());
        app = new ScribbleSegApp();
        app.startWith(stage, TEMPLATE);
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty("scribbleseg.data");
        System.clearProperty("scribbleseg.demo");
    }

    /** Every file below {@code dir} with its size and modification time. */
    static Map<String, String> listing(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                m.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir" : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    private long strokes(ProjectStore s) {
        long n = 0;
        for (ImageEntry e : s.images()) {
            n += s.strokes(e.id()).size();
        }
        return n;
    }

    private void confirm(FxRobot robot) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".dialog-pane").tryQuery().isPresent()));
        Node ok = fx(() -> robot.lookup(".dialog-pane").queryAs(DialogPane.class).lookupButton(ButtonType.OK));
        robot.clickOn(ok);
    }

    @Test
    void theDemoOpensAsAWorkingCopyResetsAndTheCheckoutStaysAsItWas(FxRobot robot) throws Exception {
        waitIdle();
        // the live loop ran on the demo (features cached, a prediction shown): everything it wrote went to the copy
        WaitForAsyncUtils.waitFor(90, TimeUnit.SECONDS, () -> fx(() -> app.window().isIdle() && app.window().canvas().hasPrediction()));
        Path copy = fx(() -> app.window().engine().store().root());
        assertThat(copy).startsWith(data).isNotEqualTo(TEMPLATE);
        assertThat(copy.resolveSibling("images").resolve("dog.jpg")).isRegularFile();
        ProjectStore s = store();
        long shipped = strokes(s);
        assertThat(shipped).isGreaterThanOrEqualTo(5);
        ImageEntry first = s.images().get(0);
        s.commitStroke(first.id(), s.classes().get(1).id(), StrokeKind.SCRIBBLE, 5, new float[] {10, 10, 60, 60});
        assertThat(strokes(s)).isEqualTo(shipped + 1);

        // File → Reset demo…, confirmed: a fresh copy without the stroke
        Platform.runLater(() -> {
            MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
            MenuItem reset = bar.getMenus().get(0).getItems().stream().filter(i -> "resetDemo".equals(i.getId())).findFirst().orElseThrow();
            reset.fire();
        });
        confirm(robot);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> app.window() != null && app.window().engine().store() != s));
        waitIdle();
        assertThat(fx(() -> app.window().engine().store().root())).isEqualTo(copy);
        assertThat(strokes(store())).isEqualTo(shipped);

        // the start screen offers the demo too: Reset demo there opens a fresh copy as well
        ProjectStore s2 = store();
        s2.commitStroke(first.id(), s2.classes().get(1).id(), StrokeKind.SCRIBBLE, 5, new float[] {10, 10, 60, 60});
        fx(() -> {
            app.closeProject();
            return null;
        });
        assertThat(fx(() -> robot.lookup("#openDemo").tryQuery().isPresent())).isTrue();
        robot.clickOn(robot.lookup("#resetDemoStart").queryAs(Button.class));
        confirm(robot);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> app.window() != null));
        waitIdle();
        assertThat(strokes(store())).isEqualTo(shipped);

        fx(() -> app.window().ui()).store().submit(() -> null).get(30, TimeUnit.SECONDS);
        assertThat(listing(TEMPLATE.getParent())).isEqualTo(before);
    }
}
