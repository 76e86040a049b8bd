package org.scribbleseg.engine.export;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an export wrote: {@code out} (the folder asked for), {@code datasetRoot} (where JPEGImages lies: {@code out}
 * or {@code out/VOCdevkit/VOC<year>}), counts, the VOC id of each exported image (by image id) and warnings (e.g.
 * images left out because they had no prediction, mask values no class has).
 */
public record ExportResult(Path out, Path datasetRoot, int images, int train, int val, int predicted,
        Map<Long, String> ids, List<String> warnings) {
    public ExportResult {
        ids = Map.copyOf(ids);
        warnings = List.copyOf(warnings);
    }

    /** The same result with other warnings. */
    public ExportResult withWarnings(List<String> w) {
        return new ExportResult(out, datasetRoot, images, train, val, predicted, ids, w);
    }
}
