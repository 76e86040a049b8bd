package org.scribbleseg.engine.gpu;

import java.util.Locale;

/**
 * What the user asked for with {@code --device} or the project's {@code device} setting: {@code auto} (a GPU when
 * one can be used, else the CPU), {@code cpu}, {@code gpu} (GPU 0) or {@code gpu:N}.
 */
public record DeviceSpec(Kind kind, int index) {
    public static final String SETTING = "device";

    public enum Kind {
        AUTO, CPU, GPU
    }

    public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, 0);
    public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, 0);

    /** Parses {@code auto|cpu|gpu|gpu:N}; null or blank is {@code auto}. */
    public static DeviceSpec parse(String s) {
        if (s == null || s.isBlank()) {
            return AUTO;
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "gpu":
            case "cuda":
                return new DeviceSpec(Kind.GPU, 0);
            default:
                break;
        }
        if (t.matches("(gpu|cuda):\\d{1,3}")) {
            return new DeviceSpec(Kind.GPU, Integer.parseInt(t.substring(t.indexOf(':') + 1)));
        }
        throw new IllegalArgumentException("device must be auto, cpu, gpu or gpu:N (e.g. gpu:1), not '" + s + "'");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case GPU -> "gpu:" + index;
        };
    }
}
