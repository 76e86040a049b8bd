package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.databind.JsonNode;

/** The fields of an HF {@code CLIPConfig} the forward passes need. */
public record ClipConfig(Tower vision, Tower text, int patchSize, int imageSize, int projectionDim) {

    /** One transformer tower. */
    public record Tower(int hiddenSize, int layers, int heads, float layerNormEps, Ops.Act act, int maxPositions,
            int intermediateSize, int vocabSize) {
    }

    /** The real openai/clip-vit-base-patch16 shapes (for benchmarks with random weights). */
    public static ClipConfig preset(String name) {
        return switch (name) {
            case "clip-b16", "clip-vit-base-patch16" -> new ClipConfig(
                    new Tower(768, 12, 12, 1e-5f, Ops.Act.QUICK_GELU, 197, 3072, 0),
                    new Tower(512, 12, 8, 1e-5f, Ops.Act.QUICK_GELU, 77, 2048, 49408), 16, 224, 512);
            default -> throw new IllegalArgumentException("unknown CLIP preset '" + name + "'");
        };
    }

    public int nativeGrid() {
        return imageSize / patchSize;
    }

    public static ClipConfig fromJson(JsonNode n) {
        String type = n.path("model_type").asText("");
        if (!"clip".equals(type)) {
            throw new IllegalArgumentException("config model_type is '" + type + "', not clip");
        }
        JsonNode v = n.path("vision_config");
        JsonNode t = n.path("text_config");
        int patch = v.path("patch_size").asInt(32);
        int image = v.path("image_size").asInt(224);
        Tower vision = tower(v, 768, 12, 12, 1 + (image / patch) * (image / patch), 0);
        Tower text = tower(t, 512, 12, 8, t.path("max_position_embeddings").asInt(77), t.path("vocab_size").asInt(49408));
        return new ClipConfig(vision, text, patch, image, n.path("projection_dim").asInt(512));
    }

    private static Tower tower(JsonNode n, int hidden, int layers, int heads, int maxPos, int vocab) {
        String act = n.path("hidden_act").asText("quick_gelu");
        Ops.Act a = switch (act) {
            case "quick_gelu" -> Ops.Act.QUICK_GELU;
            case "gelu" -> Ops.Act.GELU;
            default -> throw new IllegalArgumentException("unsupported CLIP hidden_act '" + act + "'");
        };
        int width = n.path("hidden_size").asInt(hidden);
        return new Tower(width, n.path("num_hidden_layers").asInt(layers),
                n.path("num_attention_heads").asInt(heads), (float) n.path("layer_norm_eps").asDouble(1e-5), a, maxPos,
                n.path("intermediate_size").asInt(4 * width), vocab);
    }
}
