package org.scribbleseg.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsException;
import org.scribbleseg.engine.nn.TensorInfo;

/**
 * An imported model's {@code config.json} read against its weights: the sizes it declares (hidden size, layers,
 * intermediate size, heads, patch size) must be ones the tensors have, so a config with absurd sizes is refused at
 * import instead of failing (or allocating gigabytes) when the model is first used. Nested {@code vision_config} /
 * {@code text_config} (CLIP) are checked against the tensors of {@code vision_model.} / {@code text_model.}.
 */
final class ConfigCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers?\\.(\\d+)\\.");
    private static final Map<String, String> TOWERS = Map.of("vision_config", "vision_model.", "text_config", "text_model.");

    private ConfigCheck() {
    }

    static void againstWeights(Path config, Path weights) throws ModelStoreException {
        JsonNode n;
        try {
            n = JSON.readTree(config.toFile());
        } catch (IOException e) {
            throw new ModelStoreException(config + " is not valid JSON: " + e.getMessage(), e);
        }
        List<TensorInfo> tensors;
        try (Safetensors st = Safetensors.open(weights)) {
            tensors = st.names().stream().map(st::info).toList();
        } catch (SafetensorsException e) {
            throw new ModelStoreException("invalid safetensors file " + e.getMessage(), e);
        }
        check(config, n, tensors, "");
        for (Map.Entry<String, String> t : TOWERS.entrySet()) {
            if (n.path(t.getKey()).isObject()) {
                List<TensorInfo> part = tensors.stream().filter(x -> x.name().startsWith(t.getValue())).toList();
                check(config, n.get(t.getKey()), part.isEmpty() ? tensors : part, t.getKey() + ".");
            }
        }
    }

    private static void check(Path config, JsonNode n, List<TensorInfo> tensors, String where) throws ModelStoreException {
        Set<Long> dims = new HashSet<>();
        Set<Integer> layers = new HashSet<>();
        for (TensorInfo t : tensors) {
            for (long d : t.shape()) {
                dims.add(d);
            }
            Matcher m = LAYER.matcher(t.name());
            if (m.find()) {
                layers.add(Integer.parseInt(m.group(1)));
            }
        }
        for (String key : List.of("hidden_size", "intermediate_size", "patch_size")) {
            if (n.path(key).isIntegralNumber()) {
                long v = n.get(key).asLong();
                if (v <= 0 || !dims.contains(v)) {
                    throw new ModelStoreException(config + ": " + where + key + " is " + v + " but no tensor of the weights has "
                            + "that size; the config does not belong to these weights");
                }
            }
        }
        if (n.path("num_hidden_layers").isIntegralNumber() && !layers.isEmpty()) {
            long v = n.get("num_hidden_layers").asLong();
            if (v <= 0 || v > layers.size()) {
                throw new ModelStoreException(config + ": " + where + "num_hidden_layers is " + v + " but the weights hold "
                        + layers.size() + " layers");
            }
        }
        if (n.path("num_attention_heads").isIntegralNumber() && n.path("hidden_size").isIntegralNumber()) {
            long heads = n.get("num_attention_heads").asLong();
            long hidden = n.get("hidden_size").asLong();
            if (heads <= 0 || hidden % heads != 0) {
                throw new ModelStoreException(config + ": " + where + "num_attention_heads " + heads + " does not divide hidden_size "
                        + hidden);
            }
        }
    }
}
