package org.scribbleseg.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    /** A thread that spins for a while shows up under its own name, digits folded, with about the CPU time it took. */
    @Test
    void reportsTheCpuTimeOfABusyThreadUnderItsName() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Map<Long, ThreadCpu.Sample> before = ThreadCpu.snapshot();
        // a thread's CPU time leaves /proc with it: snapshot while it still runs
        Thread busy = new Thread(() -> {
            long end = System.nanoTime() + 150_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            if (x < 0) {
                throw new AssertionError();
            }
        }, "spin-7");
        busy.start();
        Thread.sleep(120);
        Map<String, Double> d = ThreadCpu.delta(before, ThreadCpu.snapshot(), 1.0);
        busy.join();
        assertThat(d).containsKey("spin-#");
        assertThat(d.get("spin-#")).isBetween(20.0, 200.0);
        assertThat(d.keySet()).noneMatch(k -> k.matches(".*\\d.*"));
    }
}
