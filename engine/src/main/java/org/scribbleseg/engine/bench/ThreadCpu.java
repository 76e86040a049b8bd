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

    /** Per thread id: {name, nanoseconds on a CPU so far}. */
    static Map<Long, Object[]> snapshot() {
        Map<Long, Object[]> out = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return out;
        }
        try (var dirs = Files.list(TASKS)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                try {
                    String sched = Files.readString(d.resolve("schedstat")).trim();
                    long ns = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
                    String name = Files.readString(d.resolve("comm")).trim();
                    out.put(Long.parseLong(d.getFileName().toString()), new Object[] {name, ns});
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
     * Milliseconds on a CPU between two snapshots, summed per thread name with digits folded ("C2 CompilerThre",
     * "ForkJoinPool.commonPool-worker-#"), only names over {@code minMs}.
     */
    static Map<String, Double> delta(Map<Long, Object[]> before, Map<Long, Object[]> after, double minMs) {
        Map<String, Double> sum = new TreeMap<>();
        for (Map.Entry<Long, Object[]> e : after.entrySet()) {
            Object[] b = before.get(e.getKey());
            long ns = (Long) e.getValue()[1] - (b == null ? 0L : (Long) b[1]);
            String name = foldDigits((String) e.getValue()[0]);
            sum.merge(name, ns / 1e6, Double::sum);
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
