package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.scene.Node;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageStatus;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * With the engine's live loop: scribbles train the head, the prediction appears over the image, A accepts it as
 * the mask (image done), and the project exports as PASCAL VOC from the app.
 */
class LiveLoopTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "live", images -> TestImages.twoTone(images, "two.png", 320, 240),
                st -> st.addClass("dog", VocPalette.rgb(12), 12, "", List.of()));
    }

    @Test
    void scribblesPredictAcceptExport(FxRobot robot) throws Exception {
        waitIdle();
        long image = fx(() -> app.window().currentImage());
        fx(() -> {
            app.window().canvas().requestFocus();
            return null;
        });
        robot.type(KeyCode.DIGIT2); // dog
        robot.moveTo(screen(40, 60)).press(MouseButton.PRIMARY).moveTo(screen(80, 120)).moveTo(screen(120, 180)).release(MouseButton.PRIMARY);
        robot.type(KeyCode.DIGIT1); // background
        robot.moveTo(screen(200, 60)).press(MouseButton.PRIMARY).moveTo(screen(240, 120)).moveTo(screen(280, 180)).release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 2);

        // the live loop trains and predicts; the overlay replaces "No prediction yet"
        Node badge = robot.lookup("#noPrediction").query();
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> !badge.isVisible()));
        waitIdle();
        // the overlay paints the predicted class where nobody scribbled: dog over the dark half
        double a = fx(() -> app.window().canvas().predictionOpacityProperty().get());
        int dog = VocPalette.rgb(12);
        int expected = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            expected |= (int) Math.round(a * ((dog >> shift) & 0xff) + (1 - a) * 40) << shift;
        }
        assertColor(pixelAt(60, 200), expected, 12);
        robot.type(KeyCode.U);
        assertThat(fx(() -> app.window().canvas().showUncertaintyProperty().get() && app.window().canvas().hasUncertainty())).isTrue();
        robot.type(KeyCode.U);

        robot.type(KeyCode.A);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> store().mask(image).isPresent());
        LabelMap mask = store().mask(image).orElseThrow().labels();
        assertThat(mask.get(60, 200)).isEqualTo(12); // dark half, never scribbled there
        assertThat(mask.get(260, 20)).isEqualTo(0); // bright half
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);

        Path out = tmp.resolve("voc");
        fx(() -> {
            app.window().exportVoc(VocExporter.Options.of(out, ExportMode.DONE));
            return null;
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> Files.isDirectory(out.resolve("SegmentationClass")));
        try (Stream<Path> s = Files.list(out.resolve("SegmentationClass"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(1);
        }
        assertThat(out.resolve("JPEGImages")).isDirectory();
    }
}
