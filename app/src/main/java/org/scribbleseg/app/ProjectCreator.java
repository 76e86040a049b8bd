package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.image.ImportReport;
import org.scribbleseg.engine.project.ProjectException;

/**
 * Creates a project on a folder of images: {@code <folder>/<name>.sseg}, a "background" class (VOC index 0), and
 * every image of the folder through the engine's importer (each file decoded before it is added; duplicates and
 * undecodable files reported). Runs off the FX thread.
 */
public final class ProjectCreator {

    private ProjectCreator() {
    }

    /** The result: the open project, how many images were added, and why the others were skipped. */
    public record Result(Engine engine, int added, List<String> skipped) {
    }

    /** @param progress (files done, files, the file's name) after each file; null: none */
    public static Result create(Path imageFolder, String name, TaskMonitor progress) {
        String clean = name.strip();
        if (clean.isEmpty() || clean.contains("/") || clean.contains("\\")) {
            throw new ProjectException("'" + name + "' is not a usable project name");
        }
        Path dir = imageFolder.resolve(clean.endsWith(".sseg") ? clean : clean + ".sseg");
        Engine engine = Engine.create(dir);
        try {
            engine.classes().add("background", VocPalette.rgb(0), 0, "everything that is none of the other classes", List.of());
            ImportReport r = engine.importImages(List.of(imageFolder), progress);
            List<String> skipped = new ArrayList<>();
            r.skipped().forEach(x -> skipped.add(x.path().getFileName() + ": " + x.reason()));
            r.duplicates().forEach(x -> skipped.add(x.path().getFileName() + ": same content as " + x.firstPath().getFileName()));
            return new Result(engine, r.added().size(), skipped);
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e instanceof ProjectException pe ? pe : new ProjectException("cannot add the images of " + imageFolder + ": " + e.getMessage(), e);
        }
    }
}
