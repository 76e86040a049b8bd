package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.scribbleseg.engine.util.FileTrees;

/**
 * Template projects (the demo in the repository) are never written to: a project folder holding a {@value #MARKER}
 * file opens as its working copy in the user data folder, made on first use from the template's {@code project.db}
 * and the images it references (copied to the same places relative to the project, so their relative paths hold).
 * The working copy's folder records the template it came from ({@value #ORIGIN}), so it can be reset.
 */
public final class WorkingCopies {
    /** The file that marks a project folder as a template. */
    public static final String MARKER = "TEMPLATE";
    /** In a working copy's parent folder: the template's absolute path. */
    public static final String ORIGIN = "TEMPLATE-ORIGIN";

    private WorkingCopies() {
    }

    /** Whether {@code project} is a template (opened only through a working copy). */
    public static boolean isTemplate(Path project) {
        return Files.isRegularFile(project.resolve(MARKER));
    }

    /**
     * The user data folder: {@code -Dscribbleseg.data}, else {@code $SCRIBBLESEG_DATA}, else
     * {@code $XDG_DATA_HOME/scribbleseg} or {@code ~/.local/share/scribbleseg} (Linux),
     * {@code ~/Library/Application Support/ScribbleSeg} (macOS), {@code %APPDATA%\ScribbleSeg} (Windows).
     */
    public static Path dataDir() {
        String prop = System.getProperty("scribbleseg.data");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("SCRIBBLESEG_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("user.home");
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            String appData = System.getenv("APPDATA");
            return appData != null && !appData.isBlank() ? Path.of(appData, "ScribbleSeg") : Path.of(home, "AppData", "Roaming", "ScribbleSeg");
        }
        if (os.contains("mac")) {
            return Path.of(home, "Library", "Application Support", "ScribbleSeg");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "scribbleseg") : Path.of(home, ".local", "share", "scribbleseg");
    }

    /** Where the working copy of {@code template} lives: {@code <data>/projects/<template's parent>/<template>}. */
    public static Path workingCopyOf(Path template) {
        Path t = template.toAbsolutePath().normalize();
        String group = t.getParent() == null || t.getParent().getFileName() == null ? "project" : t.getParent().getFileName().toString();
        return dataDir().resolve("projects").resolve(group).resolve(t.getFileName().toString());
    }

    /**
     * The folder to open for {@code project}: itself, or for a template its working copy (made when missing).
     *
     * @throws ProjectException when the working copy cannot be made (nothing half-made is left)
     */
    public static Path resolve(Path project) {
        if (!isTemplate(project)) {
            return project;
        }
        Path copy = workingCopyOf(project);
        if (!ProjectStore.isProject(copy)) {
            make(project, copy);
        }
        return copy;
    }

    /** The template a working copy was made from, when {@code project} is one. */
    public static Optional<Path> templateOf(Path project) {
        Path parent = project.toAbsolutePath().normalize().getParent();
        Path origin = parent == null ? null : parent.resolve(ORIGIN);
        if (origin == null || !Files.isRegularFile(origin)) {
            return Optional.empty();
        }
        try {
            Path t = Path.of(Files.readString(origin, StandardCharsets.UTF_8).strip());
            return isTemplate(t) ? Optional.of(t) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Replaces the working copy of {@code template} with a fresh one (the project must not be open) and returns it.
     * {@code template} may also be the working copy itself.
     */
    public static Path reset(Path template) {
        Path t = isTemplate(template) ? template : templateOf(template)
                .orElseThrow(() -> new ProjectException(template + " is neither a template project nor a working copy of one"));
        Path copy = workingCopyOf(t);
        try {
            FileTrees.delete(copy.getParent());
        } catch (IOException e) {
            throw new ProjectException("cannot remove the old working copy " + copy.getParent() + ": " + e.getMessage(), e);
        }
        make(t, copy);
        return copy;
    }

    /** Copies the template into a temporary sibling of the working copy's folder, then renames it into place. */
    private static void make(Path template, Path copy) {
        Path t = template.toAbsolutePath().normalize();
        Path group = copy.getParent();
        Path tmp = group.resolveSibling("." + group.getFileName() + ".partial-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path tmpProject = tmp.resolve(copy.getFileName());
        try {
            Files.createDirectories(tmpProject);
            Files.copy(t.resolve(ProjectStore.DB_FILE), tmpProject.resolve(ProjectStore.DB_FILE));
            List<ImageEntry> images;
            try (ProjectStore s = ProjectStore.open(tmpProject)) {
                images = s.images();
            }
            for (ImageEntry e : images) {
                if (Path.of(e.path()).isAbsolute()) {
                    continue; // outside the template's folder: the copy reads it where it is
                }
                Path src = t.resolve(e.path()).normalize();
                Path dst = tmpProject.resolve(e.path()).normalize();
                if (!dst.startsWith(tmp)) {
                    throw new ProjectException("template image " + e.path() + " lies outside the template's folder " + t.getParent());
                }
                if (Files.isRegularFile(src)) {
                    Files.createDirectories(dst.getParent());
                    Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            Files.writeString(tmp.resolve(ORIGIN), t + "\n", StandardCharsets.UTF_8);
            FileTrees.delete(group); // a half-removed earlier copy
            try {
                Files.move(tmp, group, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, group);
            }
        } catch (IOException e) {
            throw new ProjectException("cannot make the working copy of " + t + " in " + group + ": " + e.getMessage(), e);
        } finally {
            try {
                FileTrees.delete(tmp);
            } catch (IOException ignored) {
                // a leftover .partial folder is harmless and removed with its group on the next reset
            }
        }
    }
}
