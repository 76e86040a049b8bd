package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.heavy.SimMimJob;
import org.scribbleseg.engine.project.ProjectStore;

/** Tools → Pretrain on my images…: what the choices start, and which reconstruction preview it shows. */
class PretrainDialogTest {
    @TempDir
    Path tmp;

    @Test
    void budgetsBecomeSecondsAndChoicesMethods() {
        assertThat(PretrainDialog.config("15m")).containsEntry("budget_s", 900L).containsEntry("seed", 3);
        assertThat(PretrainDialog.config("2h")).containsEntry("budget_s", 7200L);
        for (String b : PretrainDialog.BUDGETS) {
            assertThat((Long) PretrainDialog.config(b).get("budget_s")).isPositive();
        }
        assertThat(PretrainDialog.method(PretrainDialog.SIMMIM)).isEqualTo("simmim");
        assertThat(PretrainDialog.method(PretrainDialog.DDEP)).isEqualTo("ddep");
    }

    @Test
    void thePreviewShownIsTheNewestSimmimRunsThatHasOne() throws Exception {
        try (org.scribbleseg.engine.Engine engine = org.scribbleseg.engine.Engine.create(tmp.resolve("p.sseg"))) {
            ProjectStore s = engine.store();
            var info = engine.project();
            assertThat(PretrainDialog.newestPreview(info)).isEmpty();
            s.saveRun("simmim-old", SimMimJob.METHOD, "", "{}", "{}", 0);
            Path old = Files.createDirectories(s.modelsDir().resolve("simmim-old")).resolve(SimMimJob.PREVIEW);
            Files.write(old, new byte[] {1});
            Thread.sleep(5);
            s.saveRun("simmim-new", SimMimJob.METHOD, "", "{}", "{}", 0); // no preview yet
            s.saveRun("ddep-x", "ddep", "", "{}", "{}", 0);
            Files.createDirectories(s.modelsDir().resolve("ddep-x")).resolve(SimMimJob.PREVIEW);
            assertThat(PretrainDialog.newestPreview(info)).contains(old);
            Path newer = Files.createDirectories(s.modelsDir().resolve("simmim-new")).resolve(SimMimJob.PREVIEW);
            Files.write(newer, new byte[] {1});
            assertThat(PretrainDialog.newestPreview(info)).contains(newer);
        }
    }
}
