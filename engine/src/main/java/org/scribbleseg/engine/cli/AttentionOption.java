package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scribbleseg.engine.nn.Sdpa;
import picocli.CommandLine.Option;

/**
 * {@code --attention fused|plain|both} for the ViT benchmarks: libtorch's fused scaled-dot-product kernel
 * ({@link Sdpa}, the default) or softmax(q kᵀ) v from separate ops; {@code both} times the two alternately, run by
 * run, so that a change in the machine's load falls on both alike, and reports their ratio.
 */
final class AttentionOption {
    @Option(names = "--attention", defaultValue = "fused",
            description = "fused (libtorch's scaled-dot-product kernel), plain, or both alternately (default: ${DEFAULT-VALUE})")
    String attention;

    List<String> modes() {
        return switch (attention) {
            case "fused", "plain" -> List.of(attention);
            case "both" -> List.of("fused", "plain");
            default -> throw new IllegalArgumentException("--attention must be fused, plain or both, not '" + attention + "'");
        };
    }

    /** Switches the attention path of every ViT in this JVM; "fused" falls back to plain where libtorch lacks it. */
    static void use(String mode) {
        if (mode.equals("plain")) {
            System.setProperty(Sdpa.PROPERTY, "plain");
        } else {
            System.clearProperty(Sdpa.PROPERTY);
        }
    }

    /** Per-mode times (one array per mode, same run order). */
    static Map<String, double[]> times(List<String> modes, int runs) {
        Map<String, double[]> t = new LinkedHashMap<>();
        modes.forEach(m -> t.put(m, new double[runs]));
        return t;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** {"fused": median, "plain": median, "fused_over_plain": ratio} of the modes timed, in {@code unit}. */
    static void report(ObjectNode o, Map<String, double[]> times, String unit) {
        ObjectNode a = o.putObject("attention");
        a.put("fused_available", Sdpa.availableIgnoringSwitch());
        times.forEach((m, v) -> a.put(m + "_median_" + unit, median(v)));
        if (times.size() == 2) {
            a.put("fused_over_plain", median(times.get("fused")) / median(times.get("plain")));
        }
    }
}
