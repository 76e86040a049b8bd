package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Accept region (R) and Fill region (F) on a stored prediction: the clicked region lands in a partial mask (image
 * in progress), undo takes it back, and Accept (A) then completes the mask from the prediction (image done).
 */
class RegionToolsTest extends AppTestBase {
    static final int W = 80;
    static final int H = 60;

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "regions", images -> TestImages.grey(images, "a.png", W, H, GREY), RegionToolsTest::setup);
    }

    /** Predicted: cat (8) left of x = 40; right of it background (0) around a dog (12) block x 55..69, y 15..34. */
    static int predicted(int x, int y) {
        if (x < 40) {
            return 8;
        }
        return x >= 55 && x < 70 && y >= 15 && y < 35 ? 12 : 0;
    }

    private static void setup(ProjectStore s) {
        s.setSetting(MainWindow.LIVE_UPDATE, "false");
        s.addClass("cat", VocPalette.rgb(8), 8, "", List.of());
        s.addClass("dog", VocPalette.rgb(12), 12, "", List.of());
        LabelMap p = new LabelMap(W, H, new byte[W * H]);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                p.set(x, y, predicted(x, y));
            }
        }
        s.savePrediction(s.images().get(0).id(), "test-run", p, null, 0.2);
    }

    private LabelMap waitMask(long image, java.util.function.Predicate<Optional<MaskRecord>> ready) throws Exception {
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> ready.test(store().mask(image)));
        waitIdle();
        return store().mask(image).map(MaskRecord::labels).orElse(null);
    }

    private void focusCanvas() throws Exception {
        fx(() -> {
            app.window().canvas().requestFocus();
            return null;
        });
    }

    @Test
    void acceptAndFillRegionsThenUndoThenAcceptTheRest(FxRobot robot) throws Exception {
        waitIdle();
        labelsOnly();
        long image = store().images().get(0).id();
        int cat = VocPalette.rgb(8);
        focusCanvas();

        // R, click the cat region: it alone goes into a partial mask
        robot.type(KeyCode.R);
        assertThat(fx(() -> app.window().canvas().toolProperty().get())).isEqualTo(Tool.ACCEPT_REGION);
        robot.moveTo(screen(20, 30)).clickOn(MouseButton.PRIMARY);
        LabelMap m = waitMask(image, o -> o.isPresent());
        assertThat(store().mask(image).orElseThrow().source()).isEqualTo(MaskRecord.PARTIAL);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertThat(m.get(x, y)).as("(%d, %d)", x, y).isEqualTo(x < 40 ? 8 : LabelMap.VOID);
            }
        }
        assertColor(pixelAt(20, 30), blended(cat), 10);
        assertColor(pixelAt(60, 20), (GREY << 16) | (GREY << 8) | GREY, 4);

        // F with cat selected, click the dog block: the block becomes cat, the rest stays as it was
        fx(() -> {
            app.window().palette().selectByNumber(2);
            return null;
        });
        robot.type(KeyCode.F);
        assertThat(fx(() -> app.window().canvas().toolProperty().get())).isEqualTo(Tool.FILL_REGION);
        robot.moveTo(screen(60, 20)).clickOn(MouseButton.PRIMARY);
        m = waitMask(image, o -> o.isPresent() && o.get().labels().get(60, 20) == 8);
        assertThat(m.get(56, 16)).isEqualTo(8);
        assertThat(m.get(69, 34)).isEqualTo(8);
        assertThat(m.get(50, 20)).isEqualTo(LabelMap.VOID);
        assertThat(m.get(10, 10)).isEqualTo(8);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
        assertColor(pixelAt(60, 20), blended(cat), 10);

        // Ctrl+Z twice: the fill, then the accepted region, are gone
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        m = waitMask(image, o -> o.isPresent() && o.get().labels().get(60, 20) == LabelMap.VOID);
        assertThat(m.get(20, 30)).isEqualTo(8);
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        waitMask(image, Optional::isEmpty);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.UNLABELLED);
        assertColor(pixelAt(20, 30), (GREY << 16) | (GREY << 8) | GREY, 4);

        // redo both, then A: the prediction fills the rest, the filled block keeps its correction; done
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z).release(KeyCode.Z, KeyCode.SHIFT, KeyCode.CONTROL);
        waitMask(image, Optional::isPresent);
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.Z).release(KeyCode.Z, KeyCode.SHIFT, KeyCode.CONTROL);
        waitMask(image, o -> o.isPresent() && o.get().labels().get(60, 20) == 8);
        robot.type(KeyCode.A);
        m = waitMask(image, o -> o.isPresent() && MaskRecord.ACCEPTED.equals(o.get().source()));
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int want = predicted(x, y) == 12 ? 8 : predicted(x, y);
                assertThat(m.get(x, y)).as("(%d, %d)", x, y).isEqualTo(want);
            }
        }
    }

    @Test
    void fillRegionOnAnAcceptedMaskKeepsTheImageDone(FxRobot robot) throws Exception {
        waitIdle();
        long image = store().images().get(0).id();
        focusCanvas();
        robot.type(KeyCode.A);
        waitMask(image, Optional::isPresent);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);

        fx(() -> {
            app.window().palette().selectByNumber(3); // dog
            return null;
        });
        robot.type(KeyCode.F);
        robot.moveTo(screen(20, 30)).clickOn(MouseButton.PRIMARY);
        LabelMap m = waitMask(image, o -> o.isPresent() && o.get().labels().get(20, 30) == 12);
        assertThat(m.get(0, 0)).isEqualTo(12);
        assertThat(m.get(50, 50)).isEqualTo(0);
        assertThat(store().mask(image).orElseThrow().source()).isEqualTo(MaskRecord.ACCEPTED);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
    }

    @Test
    void markNotDoneAndDoneAgainWithD(FxRobot robot) throws Exception {
        waitIdle();
        long image = store().images().get(0).id();
        focusCanvas();
        robot.type(KeyCode.D); // no mask yet: explained, nothing written
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-title").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.Label) n).getText().equals("Could not mark the image done"))));
        assertThat(store().mask(image)).isEmpty();

        robot.type(KeyCode.A);
        LabelMap accepted = waitMask(image, Optional::isPresent);
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
        robot.type(KeyCode.D);
        waitMask(image, o -> o.isPresent() && MaskRecord.REOPENED.equals(o.get().source()));
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
        assertThat(store().mask(image).orElseThrow().labels()).isEqualTo(accepted);
        robot.type(KeyCode.D);
        waitMask(image, o -> o.isPresent() && MaskRecord.ACCEPTED.equals(o.get().source()));
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.DONE);
        robot.press(KeyCode.CONTROL, KeyCode.Z).release(KeyCode.Z, KeyCode.CONTROL);
        waitMask(image, o -> o.isPresent() && MaskRecord.REOPENED.equals(o.get().source()));
        assertThat(store().image(image).orElseThrow().status()).isEqualTo(ImageStatus.IN_PROGRESS);
    }
}
