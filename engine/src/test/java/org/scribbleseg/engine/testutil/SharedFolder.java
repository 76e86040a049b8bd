package org.scribbleseg.engine.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The team's read-only {@code shared/} folder (real data, reference outputs) beside the project root: found by
 * walking up from the working directory and looking for a sibling {@code shared/} at each level, so it is
 * {@code ../shared} from a checkout and {@code ../../shared} from a module or a worktree. Tests that need it skip
 * visibly, naming the path they looked for, when it is absent (as it is on a user's clone).
 */
public final class SharedFolder {
    private SharedFolder() {
    }

    /** The first {@code <ancestor>/shared/<sub>} that exists, walking up from {@code start}. */
    public static Optional<Path> find(Path start, String sub) {
        for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve(sub);
            if (Files.exists(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code shared/<sub>} from the working directory, or the test is skipped with a message naming where it looked. */
    public static Path require(String sub) {
        return require(Path.of(""), sub);
    }

    /** {@code shared/<sub>} walking up from {@code start}, or the test is skipped with a message naming where it looked. */
    public static Path require(Path start, String sub) {
        Path from = start.toAbsolutePath().normalize();
        Optional<Path> p = find(from, sub);
        Assumptions.assumeTrue(p.isPresent(), () -> "skipped: shared/" + sub + " not found beside " + from
                + " or any folder above it (the team's ../shared is absent on this checkout)");
        return p.get();
    }
}
