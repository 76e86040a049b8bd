package org.scribbleseg.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Backward and AdamW parity with the official code: every gradient of both cases of both *-grad fixtures within
 * 1e-4 + 1e-3 |golden|, two AdamW steps within 1e-6 (key biases 5e-6 end-to-end).
 */
class GradParityTest {

    private static GradCheck.Report check(String model, String grad) {
        Path dir = ModelParityTest.fixture(model);
        Path cases = dir.resolveSibling(grad).resolve("cases.safetensors");
        GradCheck.Report r = GradCheck.run(dir, cases);
        for (GradCheck.Result res : r.results()) {
            if (!res.pass() || res.tensor().endsWith(".loss") || res.tensor().contains("grad_")) {
                System.out.printf("%s %-70s max abs err %.3e %s %s%n", grad, res.tensor(), res.maxAbsError(),
                        res.pass() ? "PASS" : "FAIL", res.note());
            }
        }
        System.out.printf("%s: grads max %.3e, golden-grad steps max %.3e, end-to-end steps max %.3e; skipped %s%n", grad,
                r.maxAbsError("A.grad.") > r.maxAbsError("B.grad.") ? r.maxAbsError("A.grad.") : r.maxAbsError("B.grad."),
                r.maxAbsError("opt[golden-grad].step"), r.maxAbsError("opt[end-to-end].step"), r.skipped());
        return r;
    }

    @Test
    void dinov2GradientsAndAdamWMatchTheOfficialCode() {
        GradCheck.Report r = check("dinov2-tiny", "dinov2-tiny-grad");
        assertThat(r.results()).allSatisfy(res -> assertThat(res.pass()).as(res.tensor() + " " + res.maxAbsError() + " " + res.note()).isTrue());
        // every weight of both cases, the pixel and position gradients, both optimizer variants
        assertThat(r.results().stream().filter(x -> x.tensor().startsWith("A.grad.")).count()).isEqualTo(61);
        assertThat(r.results().stream().filter(x -> x.tensor().startsWith("B.grad.")).count()).isEqualTo(61);
        assertThat(r.results()).extracting(GradCheck.Result::tensor).contains("A.grad_input", "B.grad_input",
                "A.grad_pos_embed_added", "B.grad_pos_embed_added", "B.grad.embeddings.position_embeddings",
                "opt[golden-grad].step2.embeddings.mask_token", "opt[end-to-end].step2.layernorm.bias");
        assertThat(r.results().stream().filter(x -> x.tensor().startsWith("opt[golden-grad].step")).count()).isEqualTo(122);
        assertThat(r.skipped()).isEmpty();
    }

    @Test
    void clipGradientsAndAdamWMatchTheOfficialCode() {
        GradCheck.Report r = check("clip-tiny", "clip-tiny-grad");
        assertThat(r.results()).allSatisfy(res -> assertThat(res.pass()).as(res.tensor() + " " + res.maxAbsError() + " " + res.note()).isTrue());
        assertThat(r.results().stream().filter(x -> x.tensor().startsWith("A.grad.")).count()).isEqualTo(110);
        assertThat(r.results().stream().filter(x -> x.tensor().startsWith("B.grad.")).count()).isEqualTo(110);
        assertThat(r.results()).extracting(GradCheck.Result::tensor).contains("B.grad_pos_embed_added",
                "A.grad.text_model.embeddings.token_embedding.weight", "A.grad.logit_scale",
                "opt[end-to-end].step2.text_model.embeddings.token_embedding.weight");
        assertThat(r.skipped()).isEmpty();
    }
}
