package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The fields of an HF {@code Dinov2Config} / {@code Dinov2WithRegistersConfig} the forward pass needs.
 *
 * @param nativeGrid side of the square position-embedding grid the weights were trained with
 */
public record Dinov2Config(int hiddenSize, int layers, int heads, int mlpHidden, int patchSize, int nativeGrid,
        int registers, float layerNormEps, boolean swiglu, double interpolateOffset) {

    public Dinov2Config {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " not divisible by heads " + heads);
        }
    }

    public static Dinov2Config fromJson(JsonNode n) {
        String type = n.path("model_type").asText("dinov2");
        if (!type.startsWith("dinov2")) {
            throw new IllegalArgumentException("config model_type is '" + type + "', not dinov2");
        }
        String act = n.path("hidden_act").asText("gelu");
        boolean swiglu = n.path("use_swiglu_ffn").asBoolean(false);
        if (!swiglu && !"gelu".equals(act)) {
            throw new IllegalArgumentException("unsupported DINOv2 hidden_act '" + act + "' (only exact gelu)");
        }
        int hidden = ModelConfig.requireInt(n, "hidden_size");
        double ratio = n.path("mlp_ratio").asDouble(4.0);
        int mlpHidden = (int) (hidden * ratio);
        if (swiglu) {
            // HF Dinov2SwiGLUFFN: hidden = (int(hidden_features * 2 / 3) + 7) // 8 * 8
            mlpHidden = ((int) (mlpHidden * 2.0 / 3.0) + 7) / 8 * 8;
        }
        int patch = n.path("patch_size").asInt(14);
        int image = n.path("image_size").asInt(518);
        int regs = n.has("num_register_tokens") ? n.get("num_register_tokens").asInt()
                : n.path("_num_register_tokens").asInt(0);
        double offset = n.path("_official_interpolate_offset").asDouble(0.1);
        return new Dinov2Config(hidden, ModelConfig.requireInt(n, "num_hidden_layers"),
                ModelConfig.requireInt(n, "num_attention_heads"), mlpHidden, patch, image / patch, regs,
                (float) n.path("layer_norm_eps").asDouble(1e-6), swiglu, offset);
    }

    /**
     * An HF {@code config.json} that {@link #fromJson} reads back as this config (for model folders written here,
     * e.g. random weights of a real shape).
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        var n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        n.putArray("architectures").add("Dinov2Model");
        n.put("model_type", "dinov2").put("hidden_size", hiddenSize).put("num_hidden_layers", layers)
                .put("num_attention_heads", heads)
                // fromJson: mlpHidden = hidden * ratio, then for SwiGLU the HF 2/3 rounding
                .put("mlp_ratio", (swiglu ? mlpHidden * 1.5 : mlpHidden) / hiddenSize)
                .put("hidden_act", "gelu").put("use_swiglu_ffn", swiglu).put("patch_size", patchSize)
                .put("image_size", nativeGrid * patchSize).put("layer_norm_eps", (double) layerNormEps)
                .put("num_register_tokens", registers).put("_official_interpolate_offset", interpolateOffset);
        if (!fromJson(n).equals(this)) {
            throw new IllegalStateException("config.json does not round-trip for " + this);
        }
        return n;
    }

    /** The real facebook/dinov2 shapes (for benchmarks with random weights): small, base, large, giant. */
    public static Dinov2Config preset(String size) {
        return switch (size) {
            case "small", "dinov2-small" -> new Dinov2Config(384, 12, 6, 1536, 14, 37, 0, 1e-6f, false, 0.1);
            case "base", "dinov2-base" -> new Dinov2Config(768, 12, 12, 3072, 14, 37, 0, 1e-6f, false, 0.1);
            case "large", "dinov2-large" -> new Dinov2Config(1024, 24, 16, 4096, 14, 37, 0, 1e-6f, false, 0.1);
            case "giant", "dinov2-giant" -> new Dinov2Config(1536, 40, 24, 4096, 14, 37, 0, 1e-6f, true, 0.1);
            default -> throw new IllegalArgumentException("unknown DINOv2 size '" + size + "'");
        };
    }
}
