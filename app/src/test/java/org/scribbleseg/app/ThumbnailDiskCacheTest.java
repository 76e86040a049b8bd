package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.Thumbnails;
import org.scribbleseg.engine.project.ImageEntry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The browser's thumbnails are kept in the project's cache folder: on the next open they come from there, so an image
 * file that has since gone missing still shows its thumbnail.
 */
class ThumbnailDiskCacheTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void secondOpenShowsThumbnailsFromTheProjectCache(FxRobot robot) throws Exception {
        waitIdle();
        waitForThumbnails(robot, 3);
        List<ImageEntry> images = fx(() -> app.window().browser().images());
        Path cache = fx(() -> app.window().engine().store().cacheDir());
        for (ImageEntry e : images) {
            assertThat(Thumbnails.cacheFile(cache, e.sha256(), ThumbnailCache.SIZE)).isRegularFile();
        }

        fx(() -> {
            app.closeProject();
            return null;
        });
        app.lastClosed().get(30, TimeUnit.SECONDS);
        ImageEntry c = images.stream().filter(e -> e.stem().equals("c")).findFirst().orElseThrow();
        Path source = tmp.resolve("images-flow").resolve("c.png");
        assertThat(source).isRegularFile();
        Files.delete(source); // the thumbnail can only come from the cache now

        fx(() -> {
            app.openProject(projectDir);
            return null;
        });
        waitIdle();
        waitForThumbnails(robot, 3);
        assertThat(fx(() -> app.window().browser().images()).stream().map(ImageEntry::id)).contains(c.id());
    }

    /** Waits until {@code n} list cells show a thumbnail image. */
    private static void waitForThumbnails(FxRobot robot, int n) throws Exception {
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#imageList .list-cell ImageView")
                .queryAllAs(ImageView.class).stream().filter(v -> v.getImage() != null).count() == n));
    }
}
