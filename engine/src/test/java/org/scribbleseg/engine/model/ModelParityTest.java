package org.scribbleseg.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Every golden tensor of every case of both fixtures, within 1e-4 + 1e-4 |ref|. */
class ModelParityTest {

    static Path fixture(String name) {
        try {
            return Path.of(Objects.requireNonNull(ModelParityTest.class.getResource("/fixtures/" + name + "/config.json"),
                    name).toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelCheck.Report check(String name) {
        Path dir = fixture(name);
        ModelCheck.Report r = ModelCheck.run(dir, dir.resolve("cases.safetensors"));
        for (ModelCheck.Result res : r.results()) {
            System.out.printf("%s %-28s max abs err %.3e %s%n", name, res.tensor(), res.maxAbsError(),
                    res.pass() ? "PASS" : "FAIL " + res.note());
        }
        System.out.println(name + " skipped: " + r.skipped() + "; max abs err over all: " + r.maxAbsError());
        return r;
    }

    @Test
    void dinov2TinyMatchesOfficialGoldens() {
        ModelCheck.Report r = check("dinov2-tiny");
        assertThat(r.results()).extracting(ModelCheck.Result::tensor).containsExactlyInAnyOrder(
                "A.block0", "A.block1", "A.block2", "A.embeddings", "A.pos_embed", "A.x_norm",
                "B.block0", "B.block1", "B.block2", "B.embeddings", "B.pos_embed", "B.x_norm",
                "C.block0", "C.block1", "C.block2", "C.embeddings", "C.pos_embed", "C.x_norm");
        assertThat(r.skipped()).containsExactly("B.pos_embed_hf_sizemode_contrast");
        assertThat(r.results()).allSatisfy(res -> assertThat(res.pass()).as(res.tensor() + " " + res.maxAbsError()).isTrue());
        assertThat(r.ok()).isTrue();
    }

    @Test
    void clipTinyMatchesOfficialGoldens() {
        ModelCheck.Report r = check("clip-tiny");
        assertThat(r.results()).extracting(ModelCheck.Result::tensor).containsExactlyInAnyOrder(
                "a.block0", "a.embeddings", "a.image_embeds", "a.last_hidden",
                "b.dense_embeds",
                "c.dense_embeds", "c.embeddings", "c.image_embeds", "c.pos_embed",
                "d.eot_index", "d.last_hidden_state", "d.text_embeds", "logits_per_image");
        assertThat(r.skipped()).containsExactly("b.dense_embeds_mmseg_cfg");
        assertThat(r.results()).allSatisfy(res -> assertThat(res.pass()).as(res.tensor() + " " + res.maxAbsError()).isTrue());
    }
}
