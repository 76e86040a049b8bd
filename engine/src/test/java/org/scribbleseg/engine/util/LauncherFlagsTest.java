package org.scribbleseg.engine.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The launchers start a JVM with the heap floor and G1 flags, and still start when the user sets a smaller heap:
 * each shell launcher is run for real, with a {@code java} first on its PATH that starts the real JVM with the
 * launcher's JVM options (everything before {@code -cp}) and prints the JVM's final flags.
 */
class LauncherFlagsTest {
    private static final long MB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void memoryFlagsLowerTheFloorToASmallerLimit() {
        assertThat(LauncherFlags.memory("4g")).containsAll(LauncherFlags.G1).contains("-Xmx4g", "-Xms1024m");
        assertThat(LauncherFlags.memory("512m")).contains("-Xmx512m", "-Xms512m");
        assertThat(LauncherFlags.megabytes("2G")).isEqualTo(2048);
        assertThat(LauncherFlags.megabytes("1048576k")).isEqualTo(1024);
        assertThatThrownBy(() -> LauncherFlags.megabytes("lots")).hasMessageContaining("not a JVM memory size: 'lots'");
    }

    @Test
    void theMeasuredJvmStartsWithTheseFlags() throws Exception {
        for (String max : List.of("4g", "512m")) {
            List<String> cmd = new ArrayList<>(List.of(java()));
            cmd.addAll(LauncherFlags.memory(max));
            cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
            Map<String, Long> f = flags(run(cmd, Map.of()));
            assertThat(f.get("MaxHeapSize")).isEqualTo(LauncherFlags.megabytes(max) * MB);
            assertThat(f.get("MinHeapSize")).isEqualTo(Math.min(LauncherFlags.megabytes(max), LauncherFlags.HEAP_FLOOR_MB) * MB);
            assertThat(f.get("G1HeapRegionSize")).isEqualTo(16 * MB);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"src/main/scripts/scribbleseg", "../app/src/main/scripts/scribbleseg-app"})
    void launcherSetsTheFloorUnlessJavaOptsSetsTheHeap(String script) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path shim = bin.resolve("java");
        Files.writeString(shim, """
                #!/bin/sh
                n=0
                for a in "$@"; do [ "$a" = "-cp" ] && break; n=$((n + 1)); done
                i=0
                for a in "$@"; do shift; [ $i -lt $n ] && set -- "$@" "$a"; i=$((i + 1)); done
                exec "%s" "$@" -XX:+PrintFlagsFinal -version
                """.formatted(java()));
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");

        Map<String, Long> plain = flags(run(List.of("sh", script), Map.of("PATH", path, "JAVA_OPTS", "")));
        assertThat(plain.get("MinHeapSize")).isEqualTo(LauncherFlags.HEAP_FLOOR_MB * MB);
        assertThat(plain.get("G1HeapRegionSize")).isEqualTo(16 * MB);
        assertThat(plain.get("MaxNewSize")).isEqualTo(384 * MB);
        assertThat(plain.get("MaxHeapFreeRatio")).isEqualTo(30);
        assertThat(plain.get("MinHeapFreeRatio")).isEqualTo(10);

        // a floor above the user's -Xmx would stop the JVM from starting ("Initial heap size set to a larger value")
        Map<String, Long> small = flags(run(List.of("sh", script), Map.of("PATH", path, "JAVA_OPTS", "-Xmx512m")));
        assertThat(small.get("MaxHeapSize")).isEqualTo(512 * MB);
        assertThat(small.get("MinHeapSize")).isLessThan(512 * MB);
        assertThat(small.get("G1HeapRegionSize")).isEqualTo(16 * MB);
    }

    @Test
    void packagedAppHasTheSameFlags() throws Exception {
        String pom = Files.readString(Path.of("../packaging/pom.xml"));
        Matcher m = Pattern.compile("<argument>--java-options</argument><argument>([^<]*)</argument>").matcher(pom);
        assertThat(m.find()).as("packaging/pom.xml passes --java-options").isTrue();
        List<String> options = List.of(m.group(1).split(" "));
        assertThat(options).containsAll(LauncherFlags.G1).contains("-Xms" + LauncherFlags.HEAP_FLOOR_MB / 1024 + "g");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> e = new HashMap<>(pb.environment());
        e.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(e);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** The numeric flags of {@code -XX:+PrintFlagsFinal}. */
    private static Map<String, Long> flags(String out) {
        Map<String, Long> f = new HashMap<>();
        Matcher m = Pattern.compile("^\\s*\\S+\\s+(\\w+)\\s+:?=\\s+(\\d+)\\s", Pattern.MULTILINE).matcher(out);
        while (m.find()) {
            if (m.group(2).length() < 19) { // unsigned "unlimited" values do not fit a long and are not read here
                f.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        assertThat(f).as(out).containsKey("MinHeapSize");
        return f;
    }
}
