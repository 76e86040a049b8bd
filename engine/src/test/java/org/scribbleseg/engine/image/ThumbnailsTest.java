package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThumbnailsTest {
    private static final String SHA = "ab".repeat(32);

    @TempDir
    Path cache;

    private final AtomicInteger decodes = new AtomicInteger();

    /** A 400×300 gradient, counting how often it is "decoded". */
    private final Supplier<RgbImage> source = () -> {
        decodes.incrementAndGet();
        byte[] rgb = new byte[400 * 300 * 3];
        for (int i = 0; i < 400 * 300; i++) {
            rgb[i * 3] = (byte) (i % 400 * 255 / 399);
            rgb[i * 3 + 1] = (byte) (i / 400 * 255 / 299);
            rgb[i * 3 + 2] = 77;
        }
        return new RgbImage(400, 300, rgb);
    };

    @Test
    void makesKeepsAspectAndSmallImagesStay() {
        RgbImage t = Thumbnails.make(source.get(), 72);
        assertThat(t.width()).isEqualTo(72);
        assertThat(t.height()).isEqualTo(54);
        RgbImage small = new RgbImage(10, 5, new byte[150]);
        assertThat(Thumbnails.make(small, 72)).isSameAs(small);
    }

    @Test
    void secondCallReadsTheCacheFileInsteadOfDecoding() throws Exception {
        RgbImage first = Thumbnails.cached(cache, SHA, 72, source);
        assertThat(decodes).hasValue(1);
        Path file = Thumbnails.cacheFile(cache, SHA, 72);
        assertThat(file).isRegularFile().hasFileName(SHA + "-72.png");
        assertThat(cache.resolve("thumbnails")).isDirectoryNotContaining("glob:**.tmp");

        RgbImage second = Thumbnails.cached(cache, SHA, 72, source);
        assertThat(decodes).as("no decode: read from disk").hasValue(1);
        assertThat(second.width()).isEqualTo(72);
        assertThat(second.height()).isEqualTo(54);
        assertThat(second.rgb()).isEqualTo(first.rgb()); // PNG: lossless

        // another size is another file
        assertThat(Thumbnails.cached(cache, SHA, 36, source).width()).isEqualTo(36);
        assertThat(decodes).hasValue(2);
    }

    @Test
    void truncatedOrCorruptFileIsMadeAgainAndReplaced() throws Exception {
        RgbImage good = Thumbnails.cached(cache, SHA, 72, source);
        Path file = Thumbnails.cacheFile(cache, SHA, 72);
        byte[] whole = Files.readAllBytes(file);

        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        assertThat(Thumbnails.cached(cache, SHA, 72, source).rgb()).isEqualTo(good.rgb());
        assertThat(decodes).hasValue(2);
        assertThat(Files.readAllBytes(file)).isEqualTo(whole);

        byte[] garbage = whole.clone();
        Arrays.fill(garbage, 8, garbage.length - 12, (byte) 0x5a); // PNG signature and IEND kept, the rest noise
        Files.write(file, garbage);
        assertThat(Thumbnails.cached(cache, SHA, 72, source).rgb()).isEqualTo(good.rgb());
        assertThat(decodes).hasValue(3);
        assertThat(Files.readAllBytes(file)).isEqualTo(whole);

        // once rewritten, read from disk again
        Thumbnails.cached(cache, SHA, 72, source);
        assertThat(decodes).hasValue(3);
    }

    @Test
    void unwritableCacheStillGivesTheThumbnail() throws Exception {
        Path blocked = Files.writeString(cache.resolve("not-a-folder"), "x");
        RgbImage t = Thumbnails.cached(blocked, SHA, 72, source);
        assertThat(t.width()).isEqualTo(72);
        assertThat(decodes).hasValue(1);
    }
}
