package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The named parameters of a trainable module, in registration order, under their Hugging Face names
 * ({@code encoder.layer.0.attention.attention.query.weight}, {@code vision_model.embeddings.class_embedding}, ...).
 *
 * <ul>
 *   <li>{@link #freeze} / {@link #unfreeze} by a name predicate (everything is trainable after construction);</li>
 *   <li>{@link #save} writes all of them to one safetensors file, {@link #load} reads any safetensors / weight
 *       source back by name (strictly: every parameter must be present with its shape);</li>
 *   <li>{@link #include} registers another module's parameters under a prefix, so a composite model (backbone +
 *       head) is recorded by one {@link GradTape} and stepped by one optimizer;</li>
 *   <li>{@link #record} starts a {@link GradTape} over the trainable ones.</li>
 * </ul>
 * Not thread-safe: a module that is being trained is used by one thread.
 */
public final class Params {
    private final Map<String, Parameter> byName = new LinkedHashMap<>();

    /** Registers {@code data} (owned by the module) as parameter {@code name}. */
    public Parameter add(String name, NDArray data) {
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter " + name);
        }
        if (data.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(name + ": parameters are FLOAT32, got " + data.getDataType());
        }
        Parameter p = new Parameter(name, data);
        byName.put(name, p);
        return p;
    }

    /** Registers every parameter of {@code other} as {@code prefix + name} (the same objects: shared, not copied). */
    public Params include(String prefix, Params other) {
        for (Parameter p : other.byName.values()) {
            if (byName.containsKey(prefix + p.name())) {
                throw new IllegalArgumentException("duplicate parameter " + prefix + p.name());
            }
            byName.put(prefix + p.name(), p);
        }
        return this;
    }

    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return p;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** Name -> parameter, in registration order (unmodifiable). Names are the keys, which for included modules carry the prefix. */
    public Map<String, Parameter> all() {
        return Collections.unmodifiableMap(byName);
    }

    public List<String> names() {
        return new ArrayList<>(byName.keySet());
    }

    /** The trainable parameters by name, in order. */
    public Map<String, Parameter> trainable() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        byName.forEach((n, p) -> {
            if (p.trainable()) {
                out.put(n, p);
            }
        });
        return out;
    }

    /** Number of scalars in all parameters, or in the trainable ones. */
    public long count(boolean trainableOnly) {
        return byName.values().stream().filter(p -> !trainableOnly || p.trainable()).mapToLong(Parameter::size).sum();
    }

    /** Makes the parameters whose name matches untrainable; returns how many matched. */
    public int freeze(Predicate<String> names) {
        return setTrainable(names, false);
    }

    /** Makes the parameters whose name matches trainable; returns how many matched. */
    public int unfreeze(Predicate<String> names) {
        return setTrainable(names, true);
    }

    private int setTrainable(Predicate<String> names, boolean trainable) {
        int n = 0;
        for (Map.Entry<String, Parameter> e : byName.entrySet()) {
            if (names.test(e.getKey())) {
                e.getValue().setTrainable(trainable);
                n++;
            }
        }
        return n;
    }

    /** Starts recording a forward pass for autograd over the trainable parameters (see {@link GradTape}). */
    public GradTape record() {
        return GradTape.open(this);
    }

    /**
     * Overwrites every parameter from {@code src} by name, in place. Every parameter must be present with the same
     * number of values (a [1, C] vs [C] difference in shape is accepted, values are row-major).
     *
     * @param prefix prepended to each name when looking it up in {@code src} (e.g. "dinov2." or "")
     */
    public void load(WeightSource src, String prefix) {
        try (NDManager tmp = NDManager.newBaseManager()) {
            for (Map.Entry<String, Parameter> e : byName.entrySet()) {
                String n = prefix + e.getKey();
                if (!src.contains(n)) {
                    throw new SafetensorsException("weights lack parameter '" + n + "'");
                }
                NDArray a = src.load(tmp, n);
                Parameter p = e.getValue();
                if (a.size() != p.size()) {
                    throw new SafetensorsException("parameter '" + n + "' has shape " + a.getShape() + ", model needs "
                            + p.data().getShape());
                }
                p.data().set(a.toFloatArray());
            }
        }
    }

    /** Loads a safetensors file written by {@link #save} (or an HF checkpoint with the same names). */
    public void load(Path file) {
        try (Safetensors st = Safetensors.open(file)) {
            load(WeightSource.of(st), "");
        }
    }

    /** Writes every parameter (F32, by name, in order) to a safetensors file, atomically. */
    public void save(Path file, Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        metadata.forEach(w::metadata);
        for (Map.Entry<String, Parameter> e : byName.entrySet()) {
            w.put(e.getKey(), e.getValue().shape(), e.getValue().data().toFloatArray());
        }
        w.write(file);
    }
}
