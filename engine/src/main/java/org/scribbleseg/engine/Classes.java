package org.scribbleseg.engine;

import java.util.List;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ClassRepository;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * The project's classes as the app edits them ({@code engine.classes()}). Each command is one committed
 * transaction; the change comes back as {@link org.scribbleseg.engine.job.EngineEvent.ClassesChanged}.
 */
public final class Classes {
    private final ClassRepository repo;

    Classes(ClassRepository repo) {
        this.repo = repo;
    }

    /** Classes in palette order. */
    public List<ClassDef> list() {
        return repo.all();
    }

    /** Adds a class; {@code vocIndex} null = the lowest free index. */
    public ClassDef add(String name, int rgb, Integer vocIndex, String definition, List<String> concepts) {
        return repo.add(name, rgb, vocIndex, definition, concepts);
    }

    public void rename(long id, String name) {
        repo.rename(id, name);
    }

    public void recolor(long id, int rgb) {
        repo.recolor(id, rgb);
    }

    public void describe(long id, String definition, List<String> concepts) {
        repo.describe(id, definition, concepts);
    }

    /** A new VOC index; the stored masks and predictions are rewritten with it. */
    public void setIndex(long id, int vocIndex) {
        repo.setIndex(id, vocIndex);
    }

    public void move(long id, int position) {
        repo.move(id, position);
    }

    /** What deleting the class would touch. */
    public ProjectStore.ClassUsage usage(long id) {
        return repo.usage(id);
    }

    /** Deletes a class, moving its labels to {@code reassignTo} (required when it has any). */
    public void delete(long id, Long reassignTo) {
        repo.delete(id, reassignTo);
    }
}
