package org.scribbleseg.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

    @Test
    void builtInCatalogListsTheRealCheckpoints() {
        ModelCatalog c = ModelCatalog.builtIn();
        assertThat(c.models()).extracting(ModelCatalog.ModelEntry::repo).containsExactly(
                "facebook/dinov2-small", "facebook/dinov2-base", "facebook/dinov2-large", "facebook/dinov2-giant",
                "facebook/dinov2-with-registers-small", "facebook/dinov2-with-registers-base",
                "facebook/dinov2-with-registers-large", "facebook/dinov2-with-registers-giant",
                "openai/clip-vit-base-patch16");
        ModelCatalog.ModelEntry clip = c.find("openai/clip-vit-base-patch16").orElseThrow();
        assertThat(clip.files()).extracting(ModelCatalog.FileEntry::path)
                .containsExactly("config.json", "model.safetensors", "vocab.json", "merges.txt");
        assertThat(clip.url(ModelCatalog.HUGGING_FACE, clip.file("model.safetensors").orElseThrow())).isEqualTo(
                URI.create("https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/model.safetensors"));
        ModelCatalog.ModelEntry reg = c.find("DINOv2-with-registers-small").orElseThrow();
        assertThat(reg.registers()).isEqualTo(4);
        assertThat(reg.url(URI.create("http://127.0.0.1:9/"), reg.files().get(0)).toString())
                .isEqualTo("http://127.0.0.1:9/facebook/dinov2-with-registers-small/resolve/main/config.json");
        assertThat(c.find("dinov3")).isEmpty();
    }

    @Test
    void rejectsBadEntries() {
        assertThatThrownBy(() -> new ModelCatalog.FileEntry("../x", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModelCatalog.FileEntry("a", 1L, "xyz")).isInstanceOf(IllegalArgumentException.class);
        String dup = "{\"version\":1,\"models\":[{\"name\":\"a\",\"repo\":\"o/a\",\"files\":[{\"path\":\"f\"}]},"
                + "{\"name\":\"A\",\"repo\":\"o/b\",\"files\":[{\"path\":\"f\"}]}]}";
        assertThatThrownBy(() -> ModelCatalog.read(new ByteArrayInputStream(dup.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
    }
}
