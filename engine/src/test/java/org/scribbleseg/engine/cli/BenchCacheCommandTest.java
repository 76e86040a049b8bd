package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.feature.FeatureCache;
import picocli.CommandLine;

class BenchCacheCommandTest {

    @TempDir
    Path tmp;

    @Test
    void measuresBytesAndTimes() throws Exception {
        BenchCacheCommand.Figures f = BenchCacheCommand.measure(FeatureCache.atRoot(tmp), 16, 5, 7, 4, 2);
        assertThat(f.bytesPerImage()).isEqualTo(32 + 16 * 5 * 7 * 2);
        assertThat(f.readMsPerImage()).isPositive();
        assertThat(f.writeMsPerImage()).isPositive();
        assertThat(f.maxAbsError()).isPositive().isLessThan(0.01);
    }

    @Test
    void commandPrintsOneRowPerShape() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new BenchCacheCommand());
        cl.setOut(new PrintWriter(out));
        int code = cl.execute("--images", "2", "--passes", "2", "--shape", "8x3x3,4x2x2", "--dir", tmp.toString());
        assertThat(code).isZero();
        assertThat(out.toString()).contains("8x3x3").contains("4x2x2").contains(String.valueOf(32 + 8 * 9 * 2));
    }
}
