package org.scribbleseg.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.Split;

/**
 * Creates a project on a folder of images: {@code <folder>/<name>.sseg}, a "background" class (VOC index 0), and
 * every image file of the folder (sorted by name) with its size from a decode. Runs off the FX thread.
 */
public final class ProjectCreator {
    static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp");

    private ProjectCreator() {
    }

    /** The result: the open project, how many images were added, and why the others were skipped. */
    public record Result(Engine engine, int added, List<String> skipped) {
    }

    /** @param progress (done, total) after each image */
    public static Result create(Path imageFolder, String name, BiConsumer<Integer, Integer> progress) {
        String clean = name.strip();
        if (clean.isEmpty() || clean.contains("/") || clean.contains("\\")) {
            throw new ProjectException("'" + name + "' is not a usable project name");
        }
        Path dir = imageFolder.resolve(clean.endsWith(".sseg") ? clean : clean + ".sseg");
        List<Path> files;
        try (Stream<Path> s = Files.list(imageFolder)) {
            files = s.filter(Files::isRegularFile).filter(ProjectCreator::isImage).sorted().toList();
        } catch (IOException e) {
            throw new ProjectException("cannot list " + imageFolder + ": " + e.getMessage(), e);
        }
        Engine engine = Engine.create(dir);
        List<String> skipped = new ArrayList<>();
        int added = 0;
        try {
            engine.store().addClass("background", VocColors.rgb(0), 0, "everything that is none of the other classes", List.of());
            for (int i = 0; i < files.size(); i++) {
                Path f = files.get(i);
                try {
                    RgbImage img = ImageLoader.load(f);
                    engine.store().addImage(f, sha256(f), img.width(), img.height(), Split.NONE);
                    added++;
                } catch (IOException | RuntimeException e) {
                    skipped.add(f.getFileName() + ": " + e.getMessage());
                }
                if (progress != null) {
                    progress.accept(i + 1, files.size());
                }
            }
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new Result(engine, added, skipped);
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    static String sha256(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ProjectException("cannot read " + f + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
