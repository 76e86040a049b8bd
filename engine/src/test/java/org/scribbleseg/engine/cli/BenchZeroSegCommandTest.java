package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code bench zeroseg} reports images/s for the preset and the ViT-S reference of the same run, with the ratio. */
class BenchZeroSegCommandTest {
    @Test
    void reportsThroughputAndTheRatioToViTS() throws Exception {
        ProjectCliTest.Run r = cli("bench", "zeroseg", "--presets", "tiny", "--runs", "1", "--batch", "1", "--threads", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out());
        double ref = o.path("reference_train_images_per_s").asDouble();
        assertThat(ref).isPositive();
        JsonNode tiny = o.path("presets").get(0);
        assertThat(tiny.path("preset").asText()).isEqualTo("tiny");
        assertThat(tiny.path("train_images_per_s").asDouble()).isPositive();
        assertThat(tiny.path("train_ratio_to_reference").asDouble())
                .isCloseTo(tiny.path("train_images_per_s").asDouble() / ref, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(o.path("note").asText()).contains("quality means nothing");
    }
}
