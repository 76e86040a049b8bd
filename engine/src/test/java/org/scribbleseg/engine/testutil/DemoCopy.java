package org.scribbleseg.engine.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throw-away copy of the shipped demo project: its project.db copied, its images linked (read only). */
public final class DemoCopy {
    private DemoCopy() {
    }

    /** Makes {@code <tmp>/demo/demo.sseg} (+ {@code images} link) and returns the .sseg folder. */
    public static Path make(Path tmp) throws IOException {
        Path shipped = Path.of("..", "projects", "demo");
        Path copy = tmp.resolve("demo");
        Files.createDirectories(copy.resolve("demo.sseg"));
        Files.copy(shipped.resolve("demo.sseg/project.db"), copy.resolve("demo.sseg/project.db"));
        Files.createSymbolicLink(copy.resolve("images"), shipped.resolve("images").toAbsolutePath());
        return copy.resolve("demo.sseg");
    }
}
