package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchExportCommandTest {
    @Test
    void smallRunPrintsFiguresAndCleansUp(@TempDir Path dir) throws Exception {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new BenchExportCommand());
        cl.setOut(new PrintWriter(sw, true));
        Path work = dir.resolve("work");
        int code = cl.execute("--count", "6", "--width", "64", "--height", "48", "--dir", work.toString());
        assertThat(code).isEqualTo(0);
        assertThat(sw.toString()).contains("exported 6 images (6 train, 0 val)");
        assertThat(work).doesNotExist();
        assertThat(Files.list(dir).count()).isZero();
    }
}
