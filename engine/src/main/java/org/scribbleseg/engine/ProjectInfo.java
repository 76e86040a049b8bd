package org.scribbleseg.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.WorkingCopies;

/**
 * The open project as the app reads it ({@code engine.project()}): name, folders, notices, images, settings; and
 * the demo's working copies (static: before a project is open).
 */
public final class ProjectInfo {
    private final ProjectStore store;

    ProjectInfo(ProjectStore store) {
        this.store = store;
    }

    public String name() {
        return store.name();
    }

    public Path root() {
        return store.root();
    }

    public Path exportsDir() {
        return store.exportsDir();
    }

    /** What opening the project did or found that the user should hear. */
    public List<String> notices() {
        return store.notices();
    }

    /** Annotation revision: grows with every change of strokes, tags, masks or classes. */
    public long revision() {
        return store.revision();
    }

    public List<ImageEntry> images() {
        return store.imageRepository().all();
    }

    /** Mean uncertainty of each image's newest stored prediction, by image id. */
    public Map<Long, Double> storedUncertainties() {
        return store.predictions().latestMeanUncertainties();
    }

    /** The project's training runs (newest first, as the store lists them). */
    public List<org.scribbleseg.engine.project.RunRecord> runs() {
        return store.runs();
    }

    /** {@code <project>/models/}: one folder per run. */
    public Path modelsDir() {
        return store.modelsDir();
    }

    public Optional<String> setting(String key) {
        return store.settings().get(key);
    }

    public void setSetting(String key, String value) {
        store.settings().set(key, value);
    }

    /** The project a folder opens as: a demo template opens its working copy (see {@link WorkingCopies}). */
    public static Path resolve(Path dir) {
        return WorkingCopies.resolve(dir);
    }

    /** A fresh working copy of a demo template (the old one replaced); returns its folder. */
    public static Path resetWorkingCopy(Path template) {
        return WorkingCopies.reset(template);
    }

    /** The template a working copy was made from, when {@code project} is one. */
    public static Optional<Path> templateOf(Path project) {
        return WorkingCopies.templateOf(project);
    }

    public static boolean isTemplate(Path dir) {
        return WorkingCopies.isTemplate(dir);
    }

    public static Path workingCopyOf(Path template) {
        return WorkingCopies.workingCopyOf(template);
    }
}
