package org.scribbleseg.engine.image;

import java.nio.file.Path;
import java.util.List;

/**
 * What an import did: images added (probed), files skipped with the reason, and duplicates (same bytes as an image
 * already in the project, {@code firstPath} null then, or as an earlier file of the same import).
 */
public record ImportReport(List<ImageInfo> added, List<Skipped> skipped, List<Duplicate> duplicates) {
    public ImportReport {
        added = List.copyOf(added);
        skipped = List.copyOf(skipped);
        duplicates = List.copyOf(duplicates);
    }

    /** A file that was not imported, and why ("truncated (no JPEG end-of-image marker)", "not an image file type"...). */
    public record Skipped(Path path, String reason) {
    }

    /** A file with the same bytes as {@code firstPath} (null when the first is already in the project). */
    public record Duplicate(Path path, String sha256, Path firstPath) {
    }

    /** "12 added, 1 skipped, 2 duplicates". */
    public String summary() {
        return added.size() + " added, " + skipped.size() + " skipped, " + duplicates.size() + " duplicate"
                + (duplicates.size() == 1 ? "" : "s");
    }
}
