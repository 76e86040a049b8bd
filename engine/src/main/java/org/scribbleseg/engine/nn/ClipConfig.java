package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.databind.JsonNode;

/** The fields of an HF {@code CLIPConfig} the forward passes need. */
public record ClipConfig(Tower vision, Tower text, int patchSize, int imageSize, int projectionDim) {

    /** One transformer tower. */
    public record Tower(int hiddenSize, int layers, int heads, float layerNormEps, Ops.Act act, int maxPositions) {
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
        Tower vision = tower(v, 768, 12, 12, 1 + (image / patch) * (image / patch));
        Tower text = tower(t, 512, 12, 8, t.path("max_position_embeddings").asInt(77));
        return new ClipConfig(vision, text, patch, image, n.path("projection_dim").asInt(512));
    }

    private static Tower tower(JsonNode n, int hidden, int layers, int heads, int maxPos) {
        String act = n.path("hidden_act").asText("quick_gelu");
        Ops.Act a = switch (act) {
            case "quick_gelu" -> Ops.Act.QUICK_GELU;
            case "gelu" -> Ops.Act.GELU;
            default -> throw new IllegalArgumentException("unsupported CLIP hidden_act '" + act + "'");
        };
        return new Tower(n.path("hidden_size").asInt(hidden), n.path("num_hidden_layers").asInt(layers),
                n.path("num_attention_heads").asInt(heads), (float) n.path("layer_norm_eps").asDouble(1e-5), a, maxPos);
    }
}
