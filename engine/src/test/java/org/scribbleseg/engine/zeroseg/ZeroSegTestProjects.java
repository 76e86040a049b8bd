package org.scribbleseg.engine.zeroseg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;

/** Unlabelled projects for ZeroSeg tests: synthetic scenes, classes with names only, no strokes, masks or tags. */
public final class ZeroSegTestProjects {
    private ZeroSegTestProjects() {
    }

    public static Path clipTiny() throws Exception {
        return Path.of(ZeroSegTestProjects.class.getResource("/fixtures/clip-tiny/config.json").toURI()).getParent();
    }

    public static Path unlabelled(Path tmp, int images) throws Exception {
        Path dir = tmp.resolve("zs.sseg");
        Path imgs = Files.createDirectories(tmp.resolve("zs-images"));
        SyntheticScenes gen = new SyntheticScenes(3, 7);
        try (ProjectStore s = ProjectStore.create(dir)) {
            s.addClass("background", 0x000000, 0, "", List.of());
            s.addClass("cat", 0xff0000, 1, "a small furry animal", List.of("cat", "kitten"));
            s.addClass("dog", 0x00ff00, 2, "", List.of());
            for (int i = 0; i < images; i++) {
                SyntheticScenes.Scene sc = gen.scene(i, 72 + 8 * i, 64);
                Path f = imgs.resolve("s" + i + ".png");
                ImageWriter.writePng(sc.image(), f);
                s.addImage(f, org.scribbleseg.engine.image.ImageLoader.sha256(Files.readAllBytes(f)), sc.image().width(), sc.image().height(), Split.NONE);
            }
        }
        return dir;
    }
}
