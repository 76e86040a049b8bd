package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/** A file's size and modification time: a cheap sign that its content may have changed. */
public record FileStamp(long size, long mtimeMillis) {
    /** The stamp of {@code file}; empty when it cannot be read (missing, not a regular file). */
    public static Optional<FileStamp> of(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(new FileStamp(a.size(), a.lastModifiedTime().toMillis())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
