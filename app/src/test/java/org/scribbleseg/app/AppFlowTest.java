package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import org.scribbleseg.engine.project.Tag;
import javafx.stage.Stage;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The whole loop a user lives in, on real JavaFX (Monocle headless) and a real SQLite project made from generated
 * images: add a class in the palette, scribble with the mouse, undo/redo with the keyboard, tag, reopen.
 */
class AppFlowTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void classScribbleUndoRedoTagReopen(FxRobot robot) throws Exception {
        waitIdle();
        labelsOnly();
        long image = fx(() -> app.window().currentImage());
        assertThat(store().image(image).orElseThrow().path()).endsWith("a.png");

        // add a class in the palette and name it
        robot.clickOn("#addClassButton");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().classes().size() == 2);
        WaitForAsyncUtils.waitForFxEvents();
        robot.write("dog").type(KeyCode.ENTER);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().classByName("dog").isPresent());
        ClassDef dog = store().classByName("dog").orElseThrow();
        assertThat(dog.vocIndex()).isEqualTo(1);
        assertThat(store().classByName("background").orElseThrow().vocIndex()).isZero();
        waitIdle();

        // scribble from (100, 100) to (300, 200) in image pixels
        robot.moveTo(screen(100, 100)).press(MouseButton.PRIMARY).moveTo(screen(200, 150)).moveTo(screen(300, 200)).release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 1);
        Stroke s = store().strokes(image).get(0);
        assertThat(s.classId()).isEqualTo(dog.id());
        assertThat(s.kind()).isEqualTo(StrokeKind.SCRIBBLE);
        float[] p = s.points();
        assertThat(p[0]).isCloseTo(100f, org.assertj.core.data.Offset.offset(2f));
        assertThat(p[1]).isCloseTo(100f, org.assertj.core.data.Offset.offset(2f));
        assertThat(p[p.length - 2]).isCloseTo(300f, org.assertj.core.data.Offset.offset(2f));
        assertThat(p[p.length - 1]).isCloseTo(200f, org.assertj.core.data.Offset.offset(2f));
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
        waitIdle();
        int red = blended(dog.rgb());
        assertColor(pixelAt(200, 150), red, 10);
        assertColor(pixelAt(250, 175), red, 10);
        assertColor(pixelAt(60, 250), (GREY << 16) | (GREY << 8) | GREY, 4);

        // undo and redo from the keyboard: the store and the pixels follow
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).isEmpty());
        waitIdle();
        assertColor(pixelAt(200, 150), (GREY << 16) | (GREY << 8) | GREY, 4);
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z).release(KeyCode.Z, KeyCode.SHIFT, KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 1);
        waitIdle();
        assertColor(pixelAt(200, 150), red, 10);
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).isEmpty());
        robot.press(KeyCode.CONTROL, KeyCode.Y).release(KeyCode.Y, KeyCode.CONTROL);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 1);
        waitIdle();
        assertColor(pixelAt(200, 150), red, 10);

        // tag: dog present on this image
        robot.clickOn("#tagPresent-" + dog.id());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().tags(image).contains(new Tag(image, dog.id(), true)));

        // reopen: everything is there, drawn again
        fx(() -> {
            app.closeProject();
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> app.window() == null));
        fx(() -> {
            app.openProject(projectDir);
            return null;
        });
        waitIdle();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> app.window().currentImage() == image));
        waitIdle();
        labelsOnly();
        ProjectStore reopened = store();
        assertThat(reopened.classes()).extracting(ClassDef::name).containsExactly("background", "dog");
        List<Stroke> strokes = reopened.strokes(image);
        assertThat(strokes).hasSize(1);
        assertThat(strokes.get(0).classId()).isEqualTo(dog.id());
        assertThat(reopened.tags(image)).containsExactly(new Tag(image, dog.id(), true));
        assertColor(pixelAt(200, 150), red, 10);
    }
}
