package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchLiveCommandTest {

    @Test
    void smallLiveRunReportsPercentilesAndScaling() throws Exception {
        String[] r = BenchEffortCommandTest.run(new BenchLiveCommand(), "--images", "3", "--width", "200", "--height",
                "150", "--iterations", "5", "--sample-sizes", "2000", "--json");
        JsonNode res = new ObjectMapper().readTree(r[0]);
        assertThat(res.get("p50_ms").asDouble()).isPositive();
        assertThat(res.get("p95_ms").asDouble()).isGreaterThanOrEqualTo(res.get("p50_ms").asDouble());
        assertThat(res.get("samples").asInt()).isPositive();
        assertThat(res.get("training_time").get(0).get("samples").asInt()).isEqualTo(2000);
        assertThat(res.get("path").asText()).startsWith("engine");
        assertThat(res.get("samples").asInt()).isEqualTo(5);
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
