package org.scribbleseg.engine.zeroseg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;

/** Finds a complete CLIP model (weights, config and tokenizer) for the zero-shot pre-labels and the ZeroSeg teacher. */
public final class ClipModels {
    public static final String DEFAULT_MODEL = "clip-vit-base-patch16";
    public static final String NOT_INSTALLED = "CLIP weights not installed: scribbleseg models download clip-vit-base-patch16, "
            + "or models import <dir>";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.json", "merges.txt");

    private ClipModels() {
    }

    /** A folder with the CLIP files, or an installed model of that name; empty when neither has the weights. */
    public static Optional<Path> resolve(String spec) {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            return complete(p) ? Optional.of(p) : Optional.empty();
        }
        try {
            var inst = ModelStore.createDefault().installed(spec);
            if (inst.isEmpty() || !inst.get().complete() || !complete(inst.get().dir())) {
                return Optional.empty();
            }
            return Optional.of(inst.get().dir());
        } catch (ModelStoreException | java.nio.file.InvalidPathException e) {
            return Optional.empty(); // not a valid model name either
        }
    }

    public static boolean complete(Path dir) {
        return FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }
}
