package org.scribbleseg.engine.testutil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.image.ImageFixtures;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.train.TagPseudoMasks;

/**
 * Tiny projects for the pseudo-mask tests of the heavy jobs: 48×40 images of one bright square on a dark
 * background, red on even images and green on odd ones (classes background 0, red 1, green 2), each square
 * 2 px further right than the last.
 */
public final class TaggedSquares {
    public static final int W = 48;
    public static final int H = 40;

    private TaggedSquares() {
    }

    /** Adds the classes background (0), red (1) and green (2); returns the ids of red and green. */
    public static long[] addClasses(ProjectStore s) {
        s.addClass("background", 0, 0, "", java.util.List.of());
        return new long[] {s.addClass("red", 0xff0000, 1, "", java.util.List.of()).id(),
                s.addClass("green", 0x00ff00, 2, "", java.util.List.of()).id()};
    }

    /** Whether pixel (x, y) of image {@code i} is in its square. */
    public static boolean inSquare(int i, int x, int y) {
        return x >= 6 + 2 * i && x < 26 + 2 * i && y >= 8 && y < 30;
    }

    /** Image {@code i}'s ground truth (0 background, 1 red, 2 green). */
    public static LabelMap truth(int i) {
        byte[] lab = new byte[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                lab[y * W + x] = (byte) (inSquare(i, x, y) ? (i % 2 == 0 ? 1 : 2) : 0);
            }
        }
        return new LabelMap(W, H, lab);
    }

    /** Writes image {@code i} as a PNG under {@code dir} and adds it to the project with its real checksum. */
    public static ImageEntry add(ProjectStore s, Path dir, int i) throws Exception {
        byte[] px = new byte[W * H * 3];
        boolean red = i % 2 == 0;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean in = inSquare(i, x, y);
                px[(y * W + x) * 3] = (byte) (in && red ? 230 : 20);
                px[(y * W + x) * 3 + 1] = (byte) (in && !red ? 230 : 20);
                px[(y * W + x) * 3 + 2] = (byte) 20;
            }
        }
        Path f = dir.resolve("img" + i + ".png");
        byte[] png = ImageFixtures.encode8(".png", W, H, 3, px);
        Files.write(f, png);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(png));
        return s.addImage(f, sha, W, H, Split.NONE);
    }

    /** The live loop's tag pseudo-masks of the project (classic backbone, the project's feature cache). */
    public static Map<Long, LabelMap> liveTagMasks(Path project, Set<Long> human) {
        try (ProjectStore s = ProjectStore.open(project); ClassicBackbone bb = new ClassicBackbone()) {
            Map<Long, Integer> vocOf = new HashMap<>();
            for (ClassDef c : s.classes()) {
                vocOf.put(c.id(), c.vocIndex());
            }
            FeatureCache cache = FeatureCache.forProject(project);
            return new TagPseudoMasks().masks(s.allTags(), vocOf, human, bb.key(), s::image,
                    e -> cache.getOrCompute(bb.key(), e.sha256(), () -> bb.features(load(s, e))), () -> { });
        }
    }

    private static RgbImage load(ProjectStore s, ImageEntry e) {
        try {
            return ImageLoader.load(s.resolve(e));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
