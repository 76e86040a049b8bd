package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Kept for code written against its old place; use {@link org.scribbleseg.engine.util.AtomicFiles} (any package
 * may: it depends on nothing of the engine).
 *
 * @deprecated moved to {@link org.scribbleseg.engine.util.AtomicFiles}
 */
@Deprecated
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        org.scribbleseg.engine.util.AtomicFiles.write(file, bytes);
    }
}
