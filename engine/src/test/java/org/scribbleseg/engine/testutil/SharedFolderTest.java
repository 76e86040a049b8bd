package org.scribbleseg.engine.testutil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The shared folder is found beside any clone (not at one machine's absolute path), and its absence is said. */
class SharedFolderTest {
    @TempDir
    Path tmp;

    @Test
    void foundBesideACloneFromTheModuleFolderAndSkippedVisiblyWhenAbsent() throws Exception {
        Path engine = Files.createDirectories(tmp.resolve("elsewhere/repo/engine"));
        Path data = Files.createDirectories(tmp.resolve("elsewhere/shared/realdata/camvid-val-voc"));
        assertThat(SharedFolder.find(engine, "realdata/camvid-val-voc")).contains(data);
        assertThat(SharedFolder.require(engine, "realdata/camvid-val-voc")).isEqualTo(data);

        Path lonely = Files.createDirectories(tmp.resolve("lonely/repo/engine"));
        assertThat(SharedFolder.find(lonely, "realdata/nowhere-" + System.nanoTime())).isEmpty();
        assertThatThrownBy(() -> SharedFolder.require(lonely, "realdata/nowhere"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("shared/realdata/nowhere not found beside " + lonely);
    }
}
