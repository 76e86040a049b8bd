package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.project.ProjectStore;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/** Starts the real app on a fresh project of generated grey images (in a temp folder) and helps tests wait and look. */
@ExtendWith(ApplicationExtension.class)
abstract class AppTestBase {
    static {
        System.setProperty("scribbleseg.prefs.node", "/org/scribbleseg/app-test");
    }

    static final int GREY = 128;

    @TempDir
    Path tmp;

    ScribbleSegApp app;
    Path projectDir;

    /** Writes a test's image files into the folder a project is created on. */
    @FunctionalInterface
    interface ImageMaker {
        void make(Path folder) throws Exception;
    }

    /** Call from each test class's {@code @Start} method (TestFX looks for it on the test class only). */
    void startApp(Stage stage) throws Exception {
        startApp(stage, "flow", images -> {
            TestImages.grey(images, "a.png", 400, 300, GREY);
            TestImages.grey(images, "b.png", 400, 300, GREY + 8);
            TestImages.grey(images, "c.png", 320, 240, GREY + 16);
        }, null);
    }

    /** A project made from {@code maker}'s images, prepared by {@code setup} (may be null), then opened in the app. */
    void startApp(Stage stage, String name, ImageMaker maker, java.util.function.Consumer<ProjectStore> setup) throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images-" + name));
        maker.make(images);
        ProjectCreator.Result r = ProjectCreator.create(images, name, null);
        if (setup != null) {
            setup.accept(r.engine().store());
        }
        projectDir = r.engine().store().root();
        r.engine().close();
        app = new ScribbleSegApp();
        app.startWith(stage, projectDir);
    }

    /** A closed project holding one two-tone {@code w}×{@code h} image and the class "road" (VOC 1). */
    Path largeImageProject(int w, int h) throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images-large"));
        TestImages.twoTone(images, "big.png", w, h);
        ProjectCreator.Result r = ProjectCreator.create(images, "large", null);
        try {
            r.engine().store().addClass("road", org.scribbleseg.engine.export.VocPalette.rgb(1), 1, "", java.util.List.of());
            return r.engine().store().root();
        } finally {
            r.engine().close();
        }
    }

    /** Closes the project (its engine's jobs stop) so no test's background work slows the next one. */
    @AfterEach
    void closeProject() throws Exception {
        if (app != null) {
            fx(() -> {
                app.closeProject();
                return null;
            });
            app.lastClosed().get(30, TimeUnit.SECONDS);
        }
    }

    static <T> T fx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }

    void waitIdle() throws Exception {
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> app.window() != null && app.window().isIdle()
                && app.window().canvas().image() != null));
        WaitForAsyncUtils.waitForFxEvents();
    }

    /** Hides the live prediction overlay (the O key) so pixels show the labels layer over the image alone. */
    void labelsOnly() throws Exception {
        fx(() -> {
            app.window().canvas().showPredictionProperty().set(false);
            return null;
        });
    }

    ProjectStore store() throws Exception {
        return fx(() -> app.window().engine().store());
    }

    /** Screen position of an image point. */
    Point2D screen(double ix, double iy) throws Exception {
        return fx(() -> {
            ImageCanvas c = app.window().canvas();
            return c.localToScreen(c.toView(ix, iy));
        });
    }

    /** ARGB of the canvas as rendered, at an image point. */
    int pixelAt(double ix, double iy) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        return fx(() -> {
            ImageCanvas c = app.window().canvas();
            c.redraw();
            WritableImage snap = c.snapshot(null, null);
            Point2D v = c.toView(ix, iy);
            return snap.getPixelReader().getArgb((int) v.getX(), (int) v.getY());
        });
    }

    static void assertColor(int argb, int expectedRgb, int tolerance) {
        int[] got = {(argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff};
        int[] exp = {(expectedRgb >> 16) & 0xff, (expectedRgb >> 8) & 0xff, expectedRgb & 0xff};
        for (int i = 0; i < 3; i++) {
            assertThat(Math.abs(got[i] - exp[i])).as("channel %d of #%06x vs expected #%06x", i, argb & 0xffffff, expectedRgb).isLessThanOrEqualTo(tolerance);
        }
    }

    /** The label colour blended over the grey image at the labels layer's opacity. */
    int blended(int rgb) throws Exception {
        double a = fx(() -> app.window().canvas().labelOpacityProperty().get());
        int r = (int) Math.round(a * ((rgb >> 16) & 0xff) + (1 - a) * GREY);
        int g = (int) Math.round(a * ((rgb >> 8) & 0xff) + (1 - a) * GREY);
        int b = (int) Math.round(a * (rgb & 0xff) + (1 - a) * GREY);
        return (r << 16) | (g << 8) | b;
    }

}
