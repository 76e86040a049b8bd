package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/** Where a model's named weights come from: a safetensors file, or arrays made in memory (benchmarks, tests). */
public interface WeightSource {

    boolean contains(String name);

    /** The named tensor as a new FLOAT32 NDArray owned by {@code manager}. */
    NDArray load(NDManager manager, String name);

    /** Arrays already in memory; {@link #load} duplicates them into the requested manager. */
    static WeightSource of(Map<String, NDArray> arrays) {
        return new WeightSource() {
            @Override
            public boolean contains(String name) {
                return arrays.containsKey(name);
            }

            @Override
            public NDArray load(NDManager manager, String name) {
                NDArray a = arrays.get(name);
                if (a == null) {
                    throw new SafetensorsException("no weight '" + name + "'");
                }
                NDArray d = a.duplicate();
                d.attach(manager);
                return d;
            }
        };
    }

    static WeightSource of(Safetensors file) {
        return new WeightSource() {
            @Override
            public boolean contains(String name) {
                return file.contains(name);
            }

            @Override
            public NDArray load(NDManager manager, String name) {
                if (!file.info(name).dtype().isFloating()) {
                    throw new SafetensorsException(file.file() + ": weight '" + name + "' is not a float tensor");
                }
                return file.array(manager, name);
            }
        };
    }
}
