package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.WorkingCopies;

/**
 * Resolving the project argument: a {@code .sseg} folder, or a folder holding exactly one; a template project (the
 * demo) resolves to its working copy in the user data folder ({@link WorkingCopies}).
 */
final class ProjectOptions {
    private ProjectOptions() {
    }

    static ProjectStore open(Path p) {
        return ProjectStore.open(locate(p));
    }

    /** Opens the project and tells the user on {@code err} what opening it did (schema upgrade, read-only). */
    static ProjectStore open(Path p, java.io.PrintWriter err) {
        ProjectStore s = open(p);
        printNotices(s, err);
        return s;
    }

    static void printNotices(ProjectStore s, java.io.PrintWriter err) {
        for (String n : s.notices()) {
            err.println("note: " + n);
        }
    }

    static Path locate(Path p) {
        if (ProjectStore.isProject(p)) {
            return WorkingCopies.resolve(p);
        }
        try (var s = java.nio.file.Files.list(p)) {
            var found = s.filter(ProjectStore::isProject).toList();
            if (found.size() == 1) {
                return WorkingCopies.resolve(found.get(0));
            }
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // fall through to the clear error of ProjectStore.open
        }
        return p;
    }
}
