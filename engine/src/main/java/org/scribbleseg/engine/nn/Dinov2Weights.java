package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The HF {@code Dinov2Model} weight names and shapes of a config, and random weights of those shapes. */
public final class Dinov2Weights {
    private Dinov2Weights() {
    }

    /** name -> shape, in HF naming, for {@code config}. */
    public static Map<String, long[]> shapes(Dinov2Config config) {
        long c = config.hiddenSize();
        long p = config.patchSize();
        long g = config.nativeGrid();
        long f = config.mlpHidden();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("embeddings.cls_token", new long[] {1, 1, c});
        m.put("embeddings.mask_token", new long[] {1, c});
        if (config.registers() > 0) {
            m.put("embeddings.register_tokens", new long[] {1, config.registers(), c});
        }
        m.put("embeddings.position_embeddings", new long[] {1, 1 + g * g, c});
        m.put("embeddings.patch_embeddings.projection.weight", new long[] {c, 3, p, p});
        m.put("embeddings.patch_embeddings.projection.bias", new long[] {c});
        for (int i = 0; i < config.layers(); i++) {
            String b = "encoder.layer." + i + ".";
            m.put(b + "norm1.weight", new long[] {c});
            m.put(b + "norm1.bias", new long[] {c});
            for (String qkv : new String[] {"query", "key", "value"}) {
                m.put(b + "attention.attention." + qkv + ".weight", new long[] {c, c});
                m.put(b + "attention.attention." + qkv + ".bias", new long[] {c});
            }
            m.put(b + "attention.output.dense.weight", new long[] {c, c});
            m.put(b + "attention.output.dense.bias", new long[] {c});
            m.put(b + "layer_scale1.lambda1", new long[] {c});
            m.put(b + "norm2.weight", new long[] {c});
            m.put(b + "norm2.bias", new long[] {c});
            if (config.swiglu()) {
                m.put(b + "mlp.weights_in.weight", new long[] {2 * f, c});
                m.put(b + "mlp.weights_in.bias", new long[] {2 * f});
                m.put(b + "mlp.weights_out.weight", new long[] {c, f});
                m.put(b + "mlp.weights_out.bias", new long[] {c});
            } else {
                m.put(b + "mlp.fc1.weight", new long[] {f, c});
                m.put(b + "mlp.fc1.bias", new long[] {f});
                m.put(b + "mlp.fc2.weight", new long[] {c, f});
                m.put(b + "mlp.fc2.bias", new long[] {c});
            }
            m.put(b + "layer_scale2.lambda1", new long[] {c});
        }
        m.put("layernorm.weight", new long[] {c});
        m.put("layernorm.bias", new long[] {c});
        return m;
    }

    /**
     * Random weights of the real shapes (for benchmarks and tests): linear weights ~ N(0, 1/fan_in), norms ~ 1,
     * everything else ~ N(0, 0.02^2). Seeded through the manager's engine.
     */
    public static Map<String, NDArray> random(Dinov2Config config, NDManager manager, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config).entrySet()) {
            String n = e.getKey();
            long[] s = e.getValue();
            NDArray a;
            if (n.endsWith("norm1.weight") || n.endsWith("norm2.weight") || n.equals("layernorm.weight")) {
                a = manager.ones(new Shape(s));
            } else if (s.length >= 2 && n.endsWith(".weight")) {
                long fanIn = 1;
                for (int i = 1; i < s.length; i++) {
                    fanIn *= s[i];
                }
                a = manager.randomNormal(0f, (float) (1 / Math.sqrt(fanIn)), new Shape(s), ai.djl.ndarray.types.DataType.FLOAT32);
            } else {
                a = manager.randomNormal(0f, 0.02f, new Shape(s), ai.djl.ndarray.types.DataType.FLOAT32);
            }
            out.put(n, a);
        }
        return out;
    }

    /**
     * Writes an HF model folder ({@code config.json} + {@code model.safetensors}) holding {@link #random} weights of
     * {@code config}, so that random weights load through the same code as downloaded ones.
     */
    public static Path writeRandomModel(Dinov2Config config, long seed, Path dir) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("weights", "random seed " + seed);
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e : random(config, m, seed).entrySet()) {
                w.put(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), config.toJson().toPrettyString());
        return dir;
    }
}
