package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.testutil.SharedFolder;

/**
 * {@code bench calibration} on the real CamVid sample (read in place from the shared folder; skipped visibly without
 * it): on val images nobody labelled, the head's confidence is overconfident (T > 1) and the temperature fitted on
 * held-out labelled pixels lowers the expected calibration error.
 */
class BenchCalibrationCommandTest {
    @TempDir
    Path tmp;

    static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void onCamvidTheFittedTemperatureLowersTheCalibrationErrorOfUnlabelledImages() throws Exception {
        Path camvid = SharedFolder.require("realdata/camvid-val-voc");
        String[] r = cli("bench", "calibration", "--data", camvid.toString(), "--train", "6", "--val", "6", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode j = new ObjectMapper().readTree(r[1]);
        assertThat(j.get("bins").asInt()).isEqualTo(15);
        assertThat(j.get("held_out_samples").asInt()).isBetween(50, 5000);
        assertThat(j.get("temperature").asDouble()).isGreaterThan(1.0);
        double before = j.get("before").get("ece").asDouble();
        double after = j.get("after").get("ece").asDouble();
        assertThat(after).as(r[1]).isLessThan(before);
        assertThat(j.get("before").get("mean_confidence").asDouble()).isGreaterThan(j.get("before").get("accuracy").asDouble());
        assertThat(j.get("overlay").get("shown_accuracy").asDouble()).isGreaterThan(j.get("overlay").get("hidden_accuracy").asDouble());
    }

    @Test
    void aFolderThatIsNoVocDatasetIsAUsageError() {
        String[] r = cli("bench", "calibration", "--data", tmp.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("is no VOC dataset");
    }
}
