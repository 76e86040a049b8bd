package org.scribbleseg.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of each of this process's native threads (Java, JIT compiler, GC, OpenBLAS), from Linux's
 * {@code /proc/self/task/<tid>/schedstat} (nanoseconds on a CPU) and {@code comm} (the thread's name): what shared
 * the cores during a timed stroke. Empty where there is no such file (another OS).
 */
final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ThreadCpu() {
    }

    /** One thread's name and its nanoseconds on a CPU so far. */
    record Sample(String name, long cpuNanos) {
    }

    /** Per thread id. */
    static Map<Long, Sample> snapshot() {
        Map<Long, Sample> out = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return out;
        }
        try (var dirs = Files.list(TASKS)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String sched = Files.readString(d.resolve("schedstat")).trim();
                    long ns = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
                    String name = Files.readString(d.resolve("comm")).trim();
                    out.put(Long.parseLong(d.getFileName().toString()), new Sample(name, ns));
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * Milliseconds on a CPU between two snapshots, summed per thread name with digits folded to '#' (Linux cuts
     * names to 15 characters: "C# CompilerThre", "ForkJoinPool.co"), only names over {@code minMs}.
     */
    static Map<String, Double> delta(Map<Long, Sample> before, Map<Long, Sample> after, double minMs) {
        Map<String, Double> sum = new TreeMap<>();
        for (Map.Entry<Long, Sample> e : after.entrySet()) {
            Sample b = before.get(e.getKey());
            long ns = e.getValue().cpuNanos() - (b == null ? 0L : b.cpuNanos());
            sum.merge(foldDigits(e.getValue().name()), ns / 1e6, Double::sum);
        }
        sum.values().removeIf(v -> v < minMs);
        sum.replaceAll((k, v) -> Math.round(v * 10) / 10.0);
        return sum;
    }

    private static String foldDigits(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch >= '0' && ch <= '9') {
                if (b.length() == 0 || b.charAt(b.length() - 1) != '#') {
                    b.append('#');
                }
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
