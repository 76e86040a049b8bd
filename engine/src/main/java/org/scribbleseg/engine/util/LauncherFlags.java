package org.scribbleseg.engine.util;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The JVM memory flags of ScribbleSeg's interactive launchers (the CLI's {@code scribbleseg}, the app's
 * {@code scribbleseg-app}, the packaged app), for a JVM the engine starts to measure them ({@code bench memory}).
 * The shell launchers spell the same flags out; {@code LauncherFlagsTest} keeps them equal.
 * <ul>
 *   <li>16 MB G1 regions: label maps and logit planes of large images (3-8 MB, made after every stroke) are
 *       ordinary young objects, not humongous ones that start a concurrent GC cycle each time.</li>
 *   <li>Young generation at most 384 MB, and free heap returned to the system (at most 30 % free after a GC):
 *       without them the heap grew to over 3 GB of mostly empty space during strokes on a 12 MP project.</li>
 *   <li>A 1 GB heap floor ({@code -Xms1g}): above the loop's working set, so G1 stops shrinking the heap after each
 *       concurrent cycle and growing it again a few strokes later. Each regrowth commits fresh pages, and the first
 *       touches of those pages made runs of 6-9 strokes 20-50 ms slower (DINOv2-S shape, 100 images: p95 80 ms
 *       without the floor, 38 ms with it). The shell launchers leave it out when {@code JAVA_OPTS} sets the heap,
 *       since a floor above {@code -Xmx} stops the JVM from starting.</li>
 * </ul>
 */
public final class LauncherFlags {
    /** The heap floor, in MB. */
    public static final long HEAP_FLOOR_MB = 1024;

    /** The G1 flags every launcher passes, whatever the heap size. */
    public static final List<String> G1 = List.of("-XX:G1HeapRegionSize=16m", "-XX:MaxNewSize=384m", "-XX:MaxHeapFreeRatio=30",
            "-XX:MinHeapFreeRatio=10");

    private LauncherFlags() {
    }

    /**
     * The launchers' memory flags for a JVM with heap limit {@code maxHeap} (as for {@code -Xmx}: "512m", "4g"): the
     * G1 flags, {@code -Xmx}, and the heap floor, lowered to the limit when the limit is under it.
     */
    public static List<String> memory(String maxHeap) {
        long max = megabytes(maxHeap);
        List<String> out = new ArrayList<>(G1);
        out.add("-Xmx" + maxHeap);
        out.add("-Xms" + Math.min(max, HEAP_FLOOR_MB) + "m");
        return out;
    }

    /** A JVM size ("768m", "4g", "4G", "1048576k") in MB, rounded down. */
    public static long megabytes(String size) {
        String s = size.strip().toLowerCase(Locale.ROOT);
        if (!s.matches("[0-9]+[kmgt]?")) {
            throw new IllegalArgumentException("not a JVM memory size: '" + size + "' (examples: 768m, 4g)");
        }
        char unit = Character.isDigit(s.charAt(s.length() - 1)) ? 'b' : s.charAt(s.length() - 1);
        long n = Long.parseLong(unit == 'b' ? s : s.substring(0, s.length() - 1));
        return switch (unit) {
            case 'k' -> n / 1024;
            case 'm' -> n;
            case 'g' -> n * 1024;
            case 't' -> n * 1024 * 1024;
            default -> n / (1024 * 1024);
        };
    }
}
