package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Runs {@link AppBench} on the real app: tiny sizes by default (so the bench cannot rot), the full sizes
 * (4000×3000 image, 100 pans, 40 zooms, 20 strokes, 10,000-image project) with {@code -Dappbench.full=true}.
 */
class AppBenchTest extends AppTestBase {

    private final AppBench.Sizes sizes = AppBench.Sizes.fromProperties();

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "bench", images -> TestImages.twoTone(images, "big.png", sizes.imageW(), sizes.imageH()),
                st -> st.addClass("road", VocPalette.rgb(1), 1, "", List.of()));
    }

    @Test
    void measures(FxRobot robot) throws Exception {
        waitIdle();
        AppBench bench = new AppBench(app, robot, sizes);
        bench.strokes(); // first, so the labels layer holds real strokes during the frame measurements
        bench.frames();
        long t0 = System.nanoTime();
        Path many = AppBench.manyImageProject(tmp, sizes.projectImages());
        bench.json.put("create_many_project_ms", Math.round((System.nanoTime() - t0) / 1e6));
        bench.openMany(many, sizes.projectImages());
        System.out.println("APPBENCH " + bench.json);
        assertThat(bench.json.get("frame_ms_p50").asDouble()).isPositive();
        assertThat(bench.json.get("release_to_stored_ms_p50").asDouble()).isPositive();
        assertThat(bench.json.get("heap_mb").asDouble()).isPositive();
        assertThat(bench.json.get("has_prediction").asBoolean()).isTrue();
    }
}
