package org.scribbleseg.engine.heavy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsWriter;

/**
 * One checkpoint of a heavy run: named float tensors (weights, optimizer moments, anything numeric) in
 * {@code tensors.safetensors} and the small state (step, RNG, data cursor, config, the job's own fields) in
 * {@code state.json}, together in {@code <run>/step-<n>/}. Written atomically: both files go to a hidden
 * temporary folder that is renamed to {@code step-<n>} only when complete, so a run killed at any moment leaves its
 * previous checkpoint intact and no half-written one under a {@code step-} name. Older checkpoints are removed
 * once a newer one is in place.
 */
public final class Checkpoint {
    public static final String TENSORS = "tensors.safetensors";
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A float tensor with its shape. */
    public record Tensor(long[] shape, float[] data) {
    }

    private final Path dir;
    private final Map<String, Tensor> tensors;
    private final ObjectNode state;

    private Checkpoint(Path dir, Map<String, Tensor> tensors, ObjectNode state) {
        this.dir = dir;
        this.tensors = tensors;
        this.state = state;
    }

    /** Collects what a job saves. */
    public static final class Writer {
        private final Map<String, Tensor> tensors = new LinkedHashMap<>();
        private final ObjectNode state = JSON.createObjectNode();
        private final Map<String, byte[]> files = new LinkedHashMap<>();

        /**
         * A whole file stored next to the tensors (e.g. an {@link org.scribbleseg.engine.nn.optim.AdamW} state
         * written by {@code saveState}), read back with {@link Checkpoint#file}.
         */
        public Writer file(String name, byte[] bytes) {
            if (!name.matches("[A-Za-z0-9._-]+") || name.equals(TENSORS) || name.equals(STATE)) {
                throw new IllegalArgumentException("bad checkpoint file name '" + name + "'");
            }
            if (files.put(name, bytes.clone()) != null) {
                throw new IllegalArgumentException("file " + name + " saved twice");
            }
            return this;
        }

        public Writer tensor(String name, long[] shape, float[] data) {
            if (tensors.put(name, new Tensor(shape.clone(), data.clone())) != null) {
                throw new IllegalArgumentException("tensor " + name + " saved twice");
            }
            return this;
        }

        /** The job's small state (cursor, RNG, counters); the runner adds {@code step} and {@code config}. */
        public ObjectNode state() {
            return state;
        }

        /** Writes {@code <runDir>/step-<step>/} atomically and removes older checkpoints of the run. */
        public Path write(Path runDir, long step) throws IOException {
            Files.createDirectories(runDir);
            state.put("step", step);
            Path tmp = Files.createTempDirectory(runDir, ".step-" + step + "-");
            try {
                SafetensorsWriter w = new SafetensorsWriter();
                tensors.forEach((n, t) -> w.put(n, t.shape(), t.data()));
                w.write(tmp.resolve(TENSORS));
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    Files.write(tmp.resolve(f.getKey()), f.getValue());
                }
                Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state));
                Path target = runDir.resolve(name(step));
                if (Files.exists(target)) {
                    deleteTree(target);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target);
                }
                for (Path old : steps(runDir)) {
                    if (!old.equals(target)) {
                        deleteTree(old);
                    }
                }
                return target;
            } finally {
                if (Files.exists(tmp)) {
                    deleteTree(tmp);
                }
            }
        }
    }

    static String name(long step) {
        return String.format("step-%09d", step);
    }

    /** The complete checkpoints of a run, newest first (leftover temporary folders are ignored). */
    public static List<Path> steps(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{9}") && Files.isRegularFile(p.resolve(STATE))
                    && Files.isRegularFile(p.resolve(TENSORS))).sorted(Comparator.comparing(Path::toString).reversed()).toList();
        }
    }

    /** The newest complete checkpoint of a run, if any. */
    public static Optional<Checkpoint> latest(Path runDir) throws IOException {
        List<Path> s = steps(runDir);
        return s.isEmpty() ? Optional.empty() : Optional.of(read(s.get(0)));
    }

    /** Reads a checkpoint folder. */
    public static Checkpoint read(Path dir) throws IOException {
        ObjectNode state = (ObjectNode) JSON.readTree(dir.resolve(STATE).toFile());
        Map<String, Tensor> t = new LinkedHashMap<>();
        try (Safetensors st = Safetensors.open(dir.resolve(TENSORS))) {
            for (String n : st.names()) {
                t.put(n, new Tensor(st.info(n).shape(), st.floats(n)));
            }
        }
        return new Checkpoint(dir, t, state);
    }

    public Path dir() {
        return dir;
    }

    public long step() {
        return state.path("step").asLong();
    }

    public ObjectNode state() {
        return state;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** A file saved with {@link Writer#file}; fails clearly when the checkpoint lacks it. */
    public Path file(String name) {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("checkpoint " + dir + " has no file '" + name + "'");
        }
        return f;
    }

    /** A saved tensor; fails clearly when the checkpoint lacks it (another method's, or damaged). */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalStateException("checkpoint " + dir + " has no tensor '" + name + "'");
        }
        return t;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
