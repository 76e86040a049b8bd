package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * On an image nobody labelled, the prediction overlay hides the pixels below the calibrated-confidence threshold and
 * says so; once the image is labelled the whole mask shows.
 */
class LowConfidenceOverlayTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "lowconf", images -> {
            TestImages.grey(images, "a.png", 200, 100, GREY);
            TestImages.grey(images, "b.png", 200, 100, GREY);
        }, s -> s.addClass("road", VocPalette.rgb(1), 1, "", List.of()));
    }

    /** A prediction of "road" everywhere, 98 % sure on the left half, 20 % on the right. */
    private void publish(long id) throws Exception {
        LabelMap labels = LabelMap.unlabelled(200, 100);
        byte[] conf = new byte[200 * 100];
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 200; x++) {
                labels.set(x, y, 1);
                conf[y * 200 + x] = (byte) (x < 100 ? 250 : 51);
            }
        }
        fx(() -> {
            app.window().engineEvents(List.of(new EngineEvent.PredictionsUpdated(id, 99, labels, conf, null, 0.4)));
            return null;
        });
    }

    private Label badge(FxRobot robot) {
        return robot.lookup("#lowConfidence").queryAs(Label.class);
    }

    @Test
    void lowConfidencePixelsOfAnUntouchedImageAreHiddenUntilItIsLabelled(FxRobot robot) throws Exception {
        waitIdle();
        fx(() -> {
            app.window().canvas().showPredictionProperty().set(true);
            return null;
        });
        long id = fx(() -> app.window().browser().images().get(0).id());
        fx(() -> {
            app.window().selectImage(id);
            return null;
        });
        waitIdle();
        publish(id);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> badge(robot).isVisible()));
        assertThat(fx(() -> badge(robot).getText())).contains("60 %").contains("50 % hidden");
        assertThat(pixelAt(150, 50) & 0xffffff).as("hidden: the grey image").isEqualTo((GREY << 16) | (GREY << 8) | GREY);
        assertThat(pixelAt(50, 50) & 0xffffff).as("shown: road over grey").isNotEqualTo((GREY << 16) | (GREY << 8) | GREY);

        // labelled: the whole mask shows, whatever the confidence
        long road = store().classByName("road").orElseThrow().id();
        store().commitStroke(id, road, StrokeKind.SCRIBBLE, 3, new float[] {10, 10, 40, 10});
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> app.window().browser().images().stream()
                .filter(e -> e.id() == id).map(ImageEntry::status).findFirst().orElseThrow() != ImageStatus.UNLABELLED));
        publish(id);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> !badge(robot).isVisible()));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(pixelAt(150, 50) & 0xffffff).isNotEqualTo((GREY << 16) | (GREY << 8) | GREY);
    }
}
