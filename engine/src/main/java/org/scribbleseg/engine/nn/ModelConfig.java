package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Reading HF {@code config.json} files. */
public final class ModelConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelConfig() {
    }

    public static JsonNode read(Path configJson) {
        try {
            JsonNode n = JSON.readTree(configJson.toFile());
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(configJson + ": not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(configJson + ": cannot read config: " + e.getMessage(), e);
        }
    }

    /** The {@code model_type} of a model folder's config.json ("dinov2", "clip", ...). */
    public static String modelType(Path modelDir) {
        return read(modelDir.resolve("config.json")).path("model_type").asText("");
    }

    static int requireInt(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("config: missing integer '" + key + "'");
        }
        return v.asInt();
    }
}
