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
        // main holds only pickles; the safetensors conversion is the refs/pr/10 branch
        assertThat(clip.url(ModelCatalog.HUGGING_FACE, clip.file("model.safetensors").orElseThrow()).toString())
                .isEqualTo("https://huggingface.co/openai/clip-vit-base-patch16/resolve/refs%2Fpr%2F10/model.safetensors");
        assertThat(clip.url(ModelCatalog.HUGGING_FACE, clip.file("vocab.json").orElseThrow()).toString())
                .isEqualTo("https://huggingface.co/openai/clip-vit-base-patch16/resolve/main/vocab.json");
        assertThat(clip.file("model.safetensors").orElseThrow().sha256()).hasSize(64);
        ModelCatalog.FileEntry small = c.find("dinov2-small").orElseThrow().file("model.safetensors").orElseThrow();
        assertThat(small.size()).isEqualTo(88_249_960L);
        assertThat(small.sha256()).startsWith("ae1e99fc");
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
