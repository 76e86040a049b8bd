package org.scribbleseg.app;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Real image files for tests: uniform grey PNGs (each a different shade, so their contents differ). */
final class TestImages {
    private TestImages() {
    }

    static Path grey(Path dir, String name, int w, int h, int level) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int rgb = (level << 16) | (level << 8) | level;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return write(img, dir, name);
    }

    /** Left half dark (40), right half bright (220): two regions any backbone tells apart. */
    static Path twoTone(Path dir, String name, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = x < w / 2 ? 40 : 220;
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return write(img, dir, name);
    }

    private static Path write(BufferedImage img, Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }
}
