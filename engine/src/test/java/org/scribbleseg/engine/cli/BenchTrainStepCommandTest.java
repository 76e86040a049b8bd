package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BenchTrainStepCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    /** The real ViT-S/14 shapes (22 M parameters) at a tiny input: the step runs and reports its figures. */
    @Test
    void printsMedianPeakRssAndParameterCount() throws Exception {
        String[] r = run("bench", "train-step", "--model", "dinov2-small", "--size", "28", "--batch", "1", "--runs", "1", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode j = new ObjectMapper().readTree(r[1].trim());
        assertThat(j.get("median_ms").asDouble()).isPositive();
        assertThat(j.get("peak_rss_mb").asDouble()).isGreaterThan(22e6 * 4 * 3 / 1e6 / 1.05); // weights + 2 moments
        assertThat(j.get("parameters").asLong()).isBetween(22_000_000L, 22_100_000L);
        assertThat(Double.isFinite(j.get("loss").asDouble())).isTrue();
        assertThat(j.has("ratio")).isFalse();
    }

    /** --attention both: the fused kernel and the plain path timed alternately, with their ratio; a bad value is refused. */
    @Test
    void timesBothAttentionPaths() throws Exception {
        String[] r = run("bench", "train-step", "--model", "clip-b16", "--size", "32", "--batch", "1", "--runs", "1",
                "--attention", "both", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode a = new ObjectMapper().readTree(r[1].trim()).get("attention");
        assertThat(a.get("fused_available").asBoolean()).isTrue();
        assertThat(a.get("fused_median_ms").asDouble()).isPositive();
        assertThat(a.get("plain_median_ms").asDouble()).isPositive();
        assertThat(a.get("fused_over_plain").asDouble()).isPositive();
        assertThat(run("bench", "train-step", "--attention", "flash")[2]).contains("--attention must be fused, plain or both");
    }

    @Test
    void clipAndBadArguments() throws Exception {
        String[] bad = run("bench", "train-step", "--model", "clip-b16", "--size", "30");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).contains("multiple of 16");
        assertThat(run("bench", "train-step", "--model", "resnet")[2]).contains("unknown --model 'resnet'");
    }

    /** With a Python that has torch, the same step in PyTorch and the ratio; skipped (visibly) without one. */
    @Test
    void comparesWithPyTorchWhenItIsInstalled() throws Exception {
        String python = null;
        for (String candidate : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    break;
                }
            } catch (java.io.IOException e) {
                // not there: try the next
            }
        }
        assumeTrue(python != null, "no python3 with torch (apt-get install python3-torch): PyTorch comparison not run");
        String[] r = run("bench", "train-step", "--model", "dinov2-small", "--size", "28", "--batch", "1", "--runs", "1",
                "--threads", "1", "--json", "--compare-torch", "--python", python);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode j = new ObjectMapper().readTree(r[1].trim());
        assertThat(j.get("torch").get("median_ms").asDouble()).isPositive();
        assertThat(j.get("torch").get("threads").asInt()).isEqualTo(1);
        assertThat(j.get("ratio").asDouble()).isPositive();
    }
}
