package org.scribbleseg.engine.heavy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * What a {@link HeavyJob} gets: its config (the {@code config} object of the {@code start} command), the project
 * folder (read the project with {@link org.scribbleseg.engine.project.ProjectStore}), the run folder
 * ({@code <project>/models/<run>/}) and the device to compute on.
 */
public record HeavyContext(ObjectNode config, Path project, Path runDir, Device device) {

    public long seed() {
        return config.path("seed").asLong(0);
    }

    public int intOr(String key, int def) {
        return config.has(key) ? config.get(key).asInt() : def;
    }

    public double doubleOr(String key, double def) {
        return config.has(key) ? config.get(key).asDouble() : def;
    }
}
