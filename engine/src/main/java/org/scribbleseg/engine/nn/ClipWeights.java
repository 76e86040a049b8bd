package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** The HF {@code CLIPModel} weight names and shapes of a config, and random weights of those shapes. */
public final class ClipWeights {
    private ClipWeights() {
    }

    /** name -> shape, in HF naming; the text tower and logit_scale only when {@code withText}. */
    public static Map<String, long[]> shapes(ClipConfig config, boolean withText) {
        Map<String, long[]> m = new LinkedHashMap<>();
        ClipConfig.Tower v = config.vision();
        long c = v.hiddenSize();
        long p = config.patchSize();
        long g = config.nativeGrid();
        m.put("vision_model.embeddings.class_embedding", new long[] {c});
        m.put("vision_model.embeddings.patch_embedding.weight", new long[] {c, 3, p, p});
        m.put("vision_model.embeddings.position_embedding.weight", new long[] {1 + g * g, c});
        m.put("vision_model.pre_layrnorm.weight", new long[] {c});
        m.put("vision_model.pre_layrnorm.bias", new long[] {c});
        layers(m, "vision_model.encoder.layers.", v);
        m.put("vision_model.post_layernorm.weight", new long[] {c});
        m.put("vision_model.post_layernorm.bias", new long[] {c});
        m.put("visual_projection.weight", new long[] {config.projectionDim(), c});
        if (withText) {
            ClipConfig.Tower t = config.text();
            long w = t.hiddenSize();
            m.put("text_model.embeddings.token_embedding.weight", new long[] {t.vocabSize(), w});
            m.put("text_model.embeddings.position_embedding.weight", new long[] {t.maxPositions(), w});
            layers(m, "text_model.encoder.layers.", t);
            m.put("text_model.final_layer_norm.weight", new long[] {w});
            m.put("text_model.final_layer_norm.bias", new long[] {w});
            m.put("text_projection.weight", new long[] {config.projectionDim(), w});
            m.put("logit_scale", new long[] {});
        }
        return m;
    }

    private static void layers(Map<String, long[]> m, String prefix, ClipConfig.Tower t) {
        long c = t.hiddenSize();
        long f = t.intermediateSize();
        for (int i = 0; i < t.layers(); i++) {
            String b = prefix + i + ".";
            for (String x : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                m.put(b + "self_attn." + x + ".weight", new long[] {c, c});
                m.put(b + "self_attn." + x + ".bias", new long[] {c});
            }
            m.put(b + "layer_norm1.weight", new long[] {c});
            m.put(b + "layer_norm1.bias", new long[] {c});
            m.put(b + "mlp.fc1.weight", new long[] {f, c});
            m.put(b + "mlp.fc1.bias", new long[] {f});
            m.put(b + "mlp.fc2.weight", new long[] {c, f});
            m.put(b + "mlp.fc2.bias", new long[] {c});
            m.put(b + "layer_norm2.weight", new long[] {c});
            m.put(b + "layer_norm2.bias", new long[] {c});
        }
    }

    /**
     * Random weights of the real shapes (benchmarks, tests): matrices ~ N(0, 1/fan_in), LayerNorm weights 1,
     * logit_scale log(1/0.07), everything else ~ N(0, 0.02^2). Seeded through the manager's engine.
     */
    public static Map<String, NDArray> random(ClipConfig config, NDManager manager, long seed, boolean withText) {
        manager.getEngine().setRandomSeed((int) seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config, withText).entrySet()) {
            String n = e.getKey();
            long[] s = e.getValue();
            NDArray a;
            if (n.equals("logit_scale")) {
                a = manager.create((float) Math.log(1 / 0.07));
            } else if ((n.contains("layer_norm") || n.contains("layrnorm")) && n.endsWith(".weight")) {
                a = manager.ones(new Shape(s));
            } else if (s.length >= 2 && n.endsWith(".weight") && !n.contains("embedding")) {
                long fanIn = 1;
                for (int i = 1; i < s.length; i++) {
                    fanIn *= s[i];
                }
                a = manager.randomNormal(0f, (float) (1 / Math.sqrt(fanIn)), new Shape(s), DataType.FLOAT32);
            } else {
                a = manager.randomNormal(0f, 0.02f, new Shape(s), DataType.FLOAT32);
            }
            out.put(n, a);
        }
        return out;
    }
}
