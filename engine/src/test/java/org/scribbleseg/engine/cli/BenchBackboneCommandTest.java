package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class BenchBackboneCommandTest {

    @Test
    void printsOneJsonObjectWithTheTimings() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "backbone", "--model", "dinov2-small", "--size", "42", "--runs", "3",
                "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString().trim());
        assertThat(j.get("model").asText()).isEqualTo("dinov2-small");
        assertThat(j.get("size").asInt()).isEqualTo(42);
        assertThat(j.get("runs").asInt()).isEqualTo(3);
        double min = j.get("min_s").asDouble();
        double med = j.get("median_s").asDouble();
        double max = j.get("max_s").asDouble();
        assertThat(min).isPositive().isLessThanOrEqualTo(med);
        assertThat(med).isLessThanOrEqualTo(max);
    }

    @Test
    void rejectsSizesThatAreNotPatchMultiples() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "backbone", "--size", "500"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("multiple of 14");
    }
}
