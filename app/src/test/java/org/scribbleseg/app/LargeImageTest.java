package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.Stroke;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * A 4000×3000 image: the canvas draws only the visible part, so a redraw stays cheap at fit, at 100 % and panned,
 * and a scribble lands in the store in image pixels. Prints the measured times.
 */
class LargeImageTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "big", images -> TestImages.grey(images, "big.png", 4000, 3000, GREY),
                st -> st.addClass("road", VocPalette.rgb(1), 1, "", List.of()));
    }

    private double redrawMillis() throws Exception {
        return fx(() -> {
            ImageCanvas c = app.window().canvas();
            c.redraw();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                c.redraw();
                c.snapshot(null, null); // forces the drawing to be rendered
            }
            return (System.nanoTime() - t0) / 10 / 1e6;
        });
    }

    @Test
    void drawsAndZoomsA12MegapixelImage(FxRobot robot) throws Exception {
        waitIdle();
        labelsOnly();
        assertThat(fx(() -> app.window().canvas().imageWidth())).isEqualTo(4000);
        double fit = redrawMillis();
        fx(() -> {
            app.window().canvas().actualSize();
            return null;
        });
        double full = redrawMillis();
        fx(() -> {
            app.window().canvas().zoomAt(8, 100, 100);
            return null;
        });
        double zoomed = redrawMillis();
        fx(() -> {
            app.window().canvas().fit();
            return null;
        });
        System.out.printf("4000x3000 redraw + snapshot: fit %.1f ms, 100%% %.1f ms, 800%% %.1f ms%n", fit, full, zoomed);

        long image = fx(() -> app.window().currentImage());
        ClassDef road = store().classByName("road").orElseThrow();
        robot.moveTo(screen(1000, 1000)).press(MouseButton.PRIMARY).moveTo(screen(2000, 1500)).moveTo(screen(3000, 2000)).release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().strokes(image).size() == 1);
        Stroke s = store().strokes(image).get(0);
        assertThat(s.classId()).isEqualTo(road.id());
        float tol = (float) (2 / fx(() -> app.window().canvas().scale()));
        assertThat(s.points()[0]).isCloseTo(1000f, offset(tol));
        assertThat(s.points()[s.points().length - 1]).isCloseTo(2000f, offset(tol));
        waitIdle();
        assertColor(pixelAt(2000, 1500), blended(road.rgb()), 10);
    }
}
