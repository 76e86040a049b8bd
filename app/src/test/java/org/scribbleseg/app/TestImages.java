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
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }
}
