package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.bench.MemoryBenchmark;
import org.scribbleseg.engine.image.ImageLoader;

class BenchMemoryCommandTest {

    @TempDir
    Path tmp;

    /** A tiny project measured in a child JVM: RSS figures after opening and after strokes, cache and labels as set up. */
    @Test
    void measuresASmallProjectInAFreshJvm() throws Exception {
        String[] r = BenchEffortCommandTest.run(new BenchMemoryCommand(), "--images", "6", "--labelled", "2", "--strokes", "2",
                "--width", "160", "--height", "120", "--scenes", "2", "--vit", "dinov2-small", "--xmx", "512m",
                "--workdir", tmp.toString(), "--json");
        JsonNode j = new ObjectMapper().readTree(r[0].strip());
        assertThat(j.get("images").asInt()).isEqualTo(6);
        assertThat(j.get("labelled").asInt()).isEqualTo(2);
        assertThat(j.get("backbone").asText()).isEqualTo("dinov2-small-projected@518");
        assertThat(j.get("max_heap_mb").asLong()).isBetween(500L, 540L); // the child's -Xmx, not ours
        assertThat(j.get("rss_after_open_mb").asLong()).isPositive();
        assertThat(j.get("peak_rss_mb").asLong()).isGreaterThanOrEqualTo(j.get("rss_after_strokes_mb").asLong());
        assertThat(j.get("feature_cache_maps").asInt()).isEqualTo(6);
        assertThat(r[1]).contains("measuring in a fresh JVM");
        // a second run reuses the project it built
        String[] again = BenchEffortCommandTest.run(new BenchMemoryCommand(), "--images", "6", "--labelled", "2", "--strokes", "1",
                "--width", "160", "--height", "120", "--scenes", "2", "--vit", "dinov2-small", "--xmx", "512m",
                "--workdir", tmp.toString());
        assertThat(again[0]).contains("reusing");
    }

    /** The copies of a scene are distinct files (own sha256) that decode to the same pixels. */
    @Test
    void textChunkCopiesDecodeLikeTheirScene() throws Exception {
        byte[] png = org.scribbleseg.engine.image.ImageWriter.encodePng(
                new org.scribbleseg.engine.eval.SyntheticScenes(3, 1).scene(0, 40, 30).image());
        Path a = tmp.resolve("a.png");
        Path b = tmp.resolve("b.png");
        Files.write(a, png);
        Files.write(b, MemoryBenchmark.withText(png, "bench", "7"));
        assertThat(ImageLoader.sha256(Files.readAllBytes(a))).isNotEqualTo(ImageLoader.sha256(Files.readAllBytes(b)));
        assertThat(ImageLoader.load(b).rgb()).containsExactly(ImageLoader.load(a).rgb());
        byte[] jpeg = org.scribbleseg.engine.image.ImageWriter.encodeJpeg(
                new org.scribbleseg.engine.eval.SyntheticScenes(3, 1).scene(0, 40, 30).image(), 80);
        Path c = tmp.resolve("c.jpg");
        Path d = tmp.resolve("d.jpg");
        Files.write(c, jpeg);
        Files.write(d, MemoryBenchmark.withJpegComment(jpeg, "bench 7"));
        assertThat(ImageLoader.sha256(Files.readAllBytes(c))).isNotEqualTo(ImageLoader.sha256(Files.readAllBytes(d)));
        assertThat(ImageLoader.load(d).rgb()).containsExactly(ImageLoader.load(c).rgb());
    }
}
