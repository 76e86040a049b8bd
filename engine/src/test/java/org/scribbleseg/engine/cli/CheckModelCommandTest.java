package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsWriter;

class CheckModelCommandTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) throws Exception {
        return Path.of(Objects.requireNonNull(CheckModelCommandTest.class.getResource("/fixtures/" + name + "/config.json"))
                .toURI()).getParent();
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void passesOnBothFixtures() throws Exception {
        for (String f : new String[] {"dinov2-tiny", "clip-tiny"}) {
            Path dir = fixture(f);
            String[] r = run("check-model", dir.toString(), "--cases", dir.resolve("cases.safetensors").toString());
            System.out.println(r[1]);
            assertThat(r[0]).as(r[2]).isEqualTo("0");
            assertThat(r[1]).doesNotContain("FAIL").contains("PASS");
        }
        String[] d = run("check-model", fixture("dinov2-tiny").toString(), "--cases",
                fixture("dinov2-tiny").resolve("cases.safetensors").toString());
        assertThat(d[1]).containsPattern("C\\.x_norm\\s+\\(1, 101, 64\\)\\s+max_abs_err \\S+\\s+PASS")
                .contains("skipped B.pos_embed_hf_sizemode_contrast").contains("18 compared, 0 failed, 1 skipped");
        String[] c = run("check-model", fixture("clip-tiny").toString(), "--cases",
                fixture("clip-tiny").resolve("cases.safetensors").toString());
        assertThat(c[1]).contains("logits_per_image").contains("d.text_embeds").contains("b.dense_embeds ")
                .contains("skipped b.dense_embeds_mmseg_cfg");
    }

    @Test
    void failsWhenAGoldenIsPerturbed() throws Exception {
        Path dir = fixture("dinov2-tiny");
        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(dir.resolve("cases.safetensors"))) {
            for (String n : st.names()) {
                float[] v = st.floats(n);
                if (n.equals("B.block1")) {
                    v[123] += 1e-3f;
                }
                w.put(n, st.info(n).shape(), v);
            }
        }
        Path bad = tmp.resolve("bad.safetensors");
        w.write(bad);
        String[] r = run("check-model", dir.toString(), "--cases", bad.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).containsPattern("B\\.block1\\s+\\S+.*FAIL").containsPattern("B\\.block0\\s+.*PASS");
        assertThat(r[2]).contains("1 tensor(s) out of tolerance");
    }

    /** --grad: every gradient and both AdamW variants per tensor; a perturbed golden gradient fails with exit 1. */
    @Test
    void gradFixturePassesAndAPerturbedGradientFails() throws Exception {
        Path model = fixture("dinov2-tiny");
        Path gradDir = model.resolveSibling("dinov2-tiny-grad");
        String[] r = run("check-model", model.toString(), "--grad", gradDir.toString());
        assertThat(r[0]).as(r[2] + r[1]).isEqualTo("0");
        assertThat(r[1]).doesNotContain("FAIL")
                .containsPattern("B\\.grad\\.embeddings\\.position_embeddings\\s+\\(1, 50, 64\\)\\s+max_abs_err \\S+\\s+PASS")
                .containsPattern("B\\.grad_input\\s+.*PASS")
                .containsPattern("opt\\[golden-grad\\]\\.step2\\.encoder\\.layer\\.2\\.mlp\\.fc2\\.weight\\s+.*PASS")
                .containsPattern("opt\\[end-to-end\\]\\.step2\\.encoder\\.layer\\.0\\.attention\\.attention\\.key\\.bias\\s+.*PASS \\(key bias")
                .contains("A.grad.embeddings.mask_token").contains("0 failed, 0 skipped");

        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(gradDir.resolve("cases.safetensors"))) {
            for (String n : st.names()) {
                float[] v = st.floats(n);
                if (n.equals("B.grad.encoder.layer.1.mlp.fc1.weight")) {
                    v[77] += 0.05f;
                }
                w.put(n, st.info(n).shape(), v);
            }
        }
        Path bad = tmp.resolve("grad.safetensors");
        w.write(bad);
        r = run("check-model", model.toString(), "--grad", bad.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).containsPattern("B\\.grad\\.encoder\\.layer\\.1\\.mlp\\.fc1\\.weight\\s+.*FAIL")
                .containsPattern("A\\.grad\\.encoder\\.layer\\.1\\.mlp\\.fc1\\.weight\\s+.*PASS");
        assertThat(r[2]).contains("1 tensor(s) out of tolerance");

        assertThat(run("check-model", model.toString())[0]).isEqualTo("2");
        assertThat(run("check-model", model.toString(), "--grad", tmp.resolve("nothing").toString())[2])
                .contains("no cases.safetensors");
    }

    @Test
    void clearErrorsForBadInputs() throws IOException {
        String[] r = run("check-model", tmp.toString(), "--cases", tmp.resolve("x.safetensors").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("config.json");
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"dinov2\"}");
        Files.write(tmp.resolve("model.safetensors"), new byte[] {1, 2, 3});
        r = run("check-model", tmp.toString(), "--cases", tmp.resolve("model.safetensors").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("model.safetensors");
    }
}
