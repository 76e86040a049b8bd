package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;

/** The project the README's run command opens is there, opens, and every image in it is readable. */
class DemoProjectTest {

    @TempDir
    Path tmp;

    @Test
    void theShippedDemoProjectOpensWithReadableImagesClassesAndScribbles() throws Exception {
        Path shipped = Path.of("..", "projects", "demo");
        assertThat(shipped.resolve("demo.sseg/project.db")).isRegularFile();
        // open a copy so the test never modifies the committed project (opening migrates and writes WAL files)
        Path copy = tmp.resolve("demo");
        Files.createDirectories(copy.resolve("demo.sseg"));
        Files.copy(shipped.resolve("demo.sseg/project.db"), copy.resolve("demo.sseg/project.db"));
        Files.createSymbolicLink(copy.resolve("images"), shipped.resolve("images").toAbsolutePath());
        try (Engine engine = Engine.open(copy.resolve("demo.sseg"))) {
            ProjectStore s = engine.store();
            assertThat(s.classes()).hasSizeGreaterThanOrEqualTo(5);
            assertThat(s.images()).hasSizeBetween(10, 30);
            long strokes = 0;
            for (ImageEntry e : s.images()) {
                RgbImage img = engine.loadImage(e);
                assertThat(img.width()).as(e.path()).isEqualTo(e.width());
                assertThat(img.height()).as(e.path()).isEqualTo(e.height());
                strokes += s.strokes(e.id()).size();
            }
            assertThat(strokes).isGreaterThanOrEqualTo(5);
        }
    }
}
