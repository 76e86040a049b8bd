package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.scribbleseg.engine.util.FileTrees;

/**
 * Creating a project all or nothing ({@code init}, {@code import-voc} into a new project): it is built in a hidden
 * sibling folder ({@code .<name>.creating-<pid>-<n>}, same depth, so relative image paths stay valid), closed, and
 * only then moved into place. A failure removes the sibling: no stub project is left to block the retry.
 */
public final class ProjectCreation {
    private ProjectCreation() {
    }

    /** Fills the new project (classes, images...); any exception undoes the creation. */
    @FunctionalInterface
    public interface Fill<T> {
        T fill(ProjectStore store) throws Exception;
    }

    /** Creates the project in {@code dir} (which may exist, without a project) and fills it; returns what {@code fill} did. */
    public static <T> T create(Path dir, Fill<T> fill) throws Exception {
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target.resolve(ProjectStore.DB_FILE))) {
            throw new ProjectException("a project already exists in " + target);
        }
        Path parent = target.getParent();
        if (parent == null) {
            throw new ProjectException("cannot create a project at " + target);
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new ProjectException("cannot create folder " + parent + ": " + e.getMessage(), e);
        }
        Path tmp = parent.resolve("." + target.getFileName() + ".creating-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            T result;
            try (ProjectStore s = ProjectStore.create(tmp)) {
                result = fill.fill(s);
            }
            publish(tmp, target);
            return result;
        } catch (Exception | Error e) {
            try {
                FileTrees.delete(tmp);
            } catch (IOException ignored) {
                // the original failure is what the user needs to hear
            }
            throw e;
        }
    }

    /** Moves the closed project from {@code tmp} to {@code target}: one rename, or entry by entry, project.db last. */
    private static void publish(Path tmp, Path target) throws IOException {
        if (!Files.exists(target)) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (AtomicMoveNotSupportedException | java.nio.file.FileAlreadyExistsException e) {
                Files.createDirectories(target); // fall through to the entry-wise move
            }
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(tmp)) {
            entries = new ArrayList<>(s.toList());
        }
        Path db = tmp.resolve(ProjectStore.DB_FILE);
        entries.remove(db);
        for (Path e : entries) {
            Path to = target.resolve(e.getFileName().toString());
            if (Files.exists(to)) {
                continue; // a folder the user already had (e.g. exports): the empty new one is not needed
            }
            Files.move(e, to);
        }
        Files.move(db, target.resolve(ProjectStore.DB_FILE), StandardCopyOption.ATOMIC_MOVE);
        FileTrees.delete(tmp);
    }
}
