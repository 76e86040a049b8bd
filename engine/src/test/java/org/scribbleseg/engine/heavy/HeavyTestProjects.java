package org.scribbleseg.engine.heavy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.image.ImageFixtures;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.StrokeKind;

/** Small real projects for heavy-run tests: images with a bright square on a dark ground, scribbled in both. */
final class HeavyTestProjects {
    private HeavyTestProjects() {
    }

    static Path make(Path tmp, int images) throws Exception {
        Path dir = tmp.resolve("heavy.sseg");
        try (ProjectStore s = ProjectStore.create(dir)) {
            ClassDef bg = s.addClass("background", 0x000000, 0, "", List.of());
            ClassDef sq = s.addClass("square", 0xff0000, 1, "", List.of());
            for (int i = 0; i < images; i++) {
                int w = 96;
                int h = 80;
                byte[] px = new byte[w * h * 3];
                int x0 = 10 + i * 7 % 30;
                int y0 = 12 + i * 5 % 20;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean in = x >= x0 && x < x0 + 40 && y >= y0 && y < y0 + 36;
                        int o = (y * w + x) * 3;
                        px[o] = (byte) (in ? 220 : 30 + (x * 3 + i) % 40);
                        px[o + 1] = (byte) (in ? 200 : 40);
                        px[o + 2] = (byte) (in ? 60 : 50 + (y * 2) % 30);
                    }
                }
                Path f = tmp.resolve("img" + i + ".png");
                byte[] png = ImageFixtures.encode8(".png", w, h, 3, px);
                Files.write(f, png);
                ImageEntry e = s.addImage(f, org.scribbleseg.engine.image.ImageLoader.sha256(png), w, h, Split.NONE);
                s.commitStroke(e.id(), sq.id(), StrokeKind.SCRIBBLE, 4, new float[] {x0 + 8, y0 + 10, x0 + 30, y0 + 24});
                s.commitStroke(e.id(), bg.id(), StrokeKind.SCRIBBLE, 4, new float[] {3, 3, 90, 5, 92, 75});
            }
        }
        return dir;
    }
}
