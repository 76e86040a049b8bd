package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import javafx.stage.Stage;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Point, Shift+point (background), eraser and ignore brush; next image; accept without a prediction; help and brush keys. */
class ToolsTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    private void focusCanvas() throws Exception {
        fx(() -> {
            app.window().canvas().requestFocus();
            return null;
        });
    }

    private Stroke lastStroke(long image, int count) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == count);
        List<Stroke> s = store().strokes(image);
        return s.get(s.size() - 1);
    }

    @Test
    void pointShiftPointEraserIgnore(FxRobot robot) throws Exception {
        waitIdle();
        labelsOnly();
        long image = fx(() -> app.window().currentImage());
        ClassDef cat = store().addClass("cat", VocPalette.rgb(8), 8, "", List.of());
        long background = store().classByIndex(0).orElseThrow().id();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> app.window().palette().classes().size() == 2));
        fx(() -> {
            app.window().palette().selectByNumber(2);
            return null;
        });
        focusCanvas();

        robot.type(KeyCode.P);
        assertThat(fx(() -> app.window().canvas().toolProperty().get())).isEqualTo(Tool.POINT);
        robot.moveTo(screen(150, 60)).clickOn(MouseButton.PRIMARY);
        Stroke p = lastStroke(image, 1);
        assertThat(p.kind()).isEqualTo(StrokeKind.POINT);
        assertThat(p.classId()).isEqualTo(cat.id());
        assertThat(p.points()).hasSize(2);
        assertThat(p.points()[0]).isCloseTo(150f, offset(2f));
        assertThat(p.points()[1]).isCloseTo(60f, offset(2f));

        robot.moveTo(screen(50, 60)).press(KeyCode.SHIFT).clickOn(MouseButton.PRIMARY).release(KeyCode.SHIFT);
        Stroke bg = lastStroke(image, 2);
        assertThat(bg.kind()).isEqualTo(StrokeKind.POINT);
        assertThat(bg.classId()).isEqualTo(background);
        waitIdle();
        assertColor(pixelAt(50, 60), blended(0x000000), 10);
        assertColor(pixelAt(150, 60), blended(cat.rgb()), 10);

        robot.type(KeyCode.E);
        robot.moveTo(screen(130, 60)).press(MouseButton.PRIMARY).moveTo(screen(150, 60)).moveTo(screen(170, 60)).release(MouseButton.PRIMARY);
        Stroke er = lastStroke(image, 3);
        assertThat(er.kind()).isEqualTo(StrokeKind.ERASE);
        assertThat(er.classId()).isNull();
        waitIdle();
        assertColor(pixelAt(150, 60), (GREY << 16) | (GREY << 8) | GREY, 4);

        robot.type(KeyCode.I);
        robot.moveTo(screen(200, 200)).press(MouseButton.PRIMARY).moveTo(screen(250, 220)).release(MouseButton.PRIMARY);
        Stroke ig = lastStroke(image, 4);
        assertThat(ig.kind()).isEqualTo(StrokeKind.IGNORE);
        assertThat(ig.classId()).isNull();

        // the browser's status filter now finds this image alone "in progress"
        robot.clickOn("#statusFilter").clickOn("In progress");
        ListView<?> list = robot.lookup("#imageList").queryAs(ListView.class);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> list.getItems().size() == 1
                && ((ImageEntry) list.getItems().get(0)).id() == image));
    }

    @Test
    void nextImageAcceptWithoutPredictionHelpAndBrushKeys(FxRobot robot) throws Exception {
        waitIdle();
        List<ImageEntry> images = store().images();
        assertThat(fx(() -> app.window().currentImage())).isEqualTo(images.get(0).id());
        focusCanvas();

        robot.type(KeyCode.N);
        waitIdle();
        assertThat(fx(() -> app.window().currentImage())).isEqualTo(images.get(1).id());
        assertThat(fx(() -> app.window().canvas().imageWidth())).isEqualTo(400);
        robot.type(KeyCode.N);
        waitIdle();
        assertThat(fx(() -> app.window().currentImage())).isEqualTo(images.get(2).id());
        assertThat(fx(() -> app.window().canvas().imageWidth())).isEqualTo(320);
        ListView<?> list = robot.lookup("#imageList").queryAs(ListView.class);
        assertThat(fx(() -> list.getSelectionModel().getSelectedIndex())).isEqualTo(2);

        // no prediction yet: accept explains instead of writing anything
        robot.type(KeyCode.A);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-title").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.Label) n).getText().equals("No prediction to accept"))));
        assertThat(store().mask(images.get(2).id())).isEmpty();
        Node badge = robot.lookup("#noPrediction").query();
        assertThat(fx(badge::isVisible)).isTrue();

        double r0 = fx(() -> app.window().canvas().brushRadiusProperty().get());
        robot.write("]");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> app.window().canvas().brushRadiusProperty().get())).isGreaterThan(r0);
        Node help = robot.lookup("#helpOverlay").query();
        double scale = fx(() -> app.window().canvas().scale());
        robot.write("?");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(help::isVisible)).isTrue();
        robot.type(KeyCode.ESCAPE);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(help::isVisible)).isFalse();
        assertThat(fx(() -> app.window().canvas().scale())).isEqualTo(scale);
    }
}
