package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Runs {@link AppBench} on the real app: tiny sizes by default (so the bench cannot rot), the full sizes
 * (10,000-image project, 4000×3000 image, 20 strokes, 100 pans, 40 zooms) with {@code -Dappbench.full=true}.
 * Memory first, from a small project, so no large image is in the heap; then the large image.
 */
class AppBenchTest extends AppTestBase {

    private final AppBench.Sizes sizes = AppBench.Sizes.fromProperties();

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void measures(FxRobot robot) throws Exception {
        waitIdle();
        AppBench bench = new AppBench(app, robot, sizes);

        long t0 = System.nanoTime();
        Path many = AppBench.manyImageProject(tmp, sizes.projectImages());
        bench.json.put("create_many_project_ms", Math.round((System.nanoTime() - t0) / 1e6));
        bench.openMany(many, sizes.projectImages());

        Path large = largeImageProject(sizes.imageW(), sizes.imageH());
        fx(() -> {
            app.closeProject();
            app.openProject(large);
            return null;
        });
        waitIdle();
        assertThat(fx(() -> app.window().canvas().imageWidth())).isEqualTo(sizes.imageW());
        bench.strokes(); // first, so the labels layer holds real strokes during the frame measurements
        bench.frames();
        bench.closeAndMeasure(many, sizes.projectImages());

        System.out.println("APPBENCH " + bench.json);
        assertThat(bench.json.get("frame_ms_p50").asDouble()).isPositive();
        assertThat(bench.json.get("release_to_stored_ms_p50").asDouble()).isPositive();
        assertThat(bench.json.get("heap_mb").asDouble()).isPositive();
        assertThat(bench.json.get("has_prediction").asBoolean()).isTrue();
    }
}
