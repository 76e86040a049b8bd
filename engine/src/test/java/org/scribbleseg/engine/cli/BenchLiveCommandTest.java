package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchLiveCommandTest {

    @Test
    void smallLiveRunReportsPercentilesAndScaling() throws Exception {
        String[] r = BenchEffortCommandTest.run(new BenchLiveCommand(), "--images", "3", "--width", "200", "--height",
                "150", "--iterations", "5", "--sample-sizes", "2000", "--json");
        JsonNode res = new ObjectMapper().readTree(r[0]);
        assertThat(res.get("backbone").asText()).isEqualTo("classic-v1@s4");
        assertThat(res.get("channels").asInt()).isEqualTo(54);
        // T: one ViT-S/14 forward at 518 measured in the same run, and the latency as a ratio to it
        double t = res.get("reference_T_ms").asDouble();
        assertThat(t).isPositive();
        assertThat(res.get("p95_over_T").asDouble()).isCloseTo(res.get("p95_ms").asDouble() / t, within(0.001));
        assertThat(res.get("p50_ms").asDouble()).isPositive();
        assertThat(res.get("p95_ms").asDouble()).isGreaterThanOrEqualTo(res.get("p50_ms").asDouble());
        assertThat(res.get("samples").asInt()).isPositive();
        assertThat(res.get("training_time").get(0).get("samples").asInt()).isEqualTo(2000);
        assertThat(res.get("path").asText()).startsWith("engine");
        assertThat(res.get("samples").asInt()).isEqualTo(5);
    }

    /** A DINOv2-B-shaped stand-in: 768 channels on the ViT's patch grid of the image at 518 px. */
    @Test
    void aVitShapedBackboneCanBeTimedWithSyntheticFeatures() throws Exception {
        String[] r = BenchEffortCommandTest.run(new BenchLiveCommand(), "--images", "2", "--width", "200", "--height", "150",
                "--iterations", "3", "--sample-sizes", "0", "--backbone", "dinov2-base-random", "--synthetic-features",
                "--no-reference", "--json");
        JsonNode res = new ObjectMapper().readTree(r[0]);
        assertThat(res.get("backbone").asText()).isEqualTo("dinov2-base-projected@518");
        assertThat(res.get("channels").asInt()).isEqualTo(768);
        assertThat(res.get("feature_grid").asText()).isEqualTo("37x28");
        assertThat(res.get("p95_ms").asDouble()).isPositive();
        assertThat(res.has("reference_T_ms")).isFalse();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new BenchLiveCommand());
        cl.setErr(new java.io.PrintWriter(err));
        assertThat(cl.execute("--synthetic-features", "--iterations", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--synthetic-features is for ViT backbones");
    }

    @Test
    void theHeadAloneCanBeTimedInMemory() throws Exception {
        String[] r = BenchEffortCommandTest.run(new BenchLiveCommand(), "--path", "head", "--images", "3", "--width", "200",
                "--height", "150", "--iterations", "5", "--sample-sizes", "0", "--json");
        JsonNode res = new ObjectMapper().readTree(r[0]);
        assertThat(res.get("p50_ms").asDouble()).isPositive();
        assertThat(res.get("train_p50_ms").asDouble()).isPositive();
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = {5, 1, 4, 2, 3};
        assertThat(BenchLiveCommand.percentile(v, 50)).isEqualTo(3);
        assertThat(BenchLiveCommand.percentile(v, 95)).isEqualTo(5);
    }
}
