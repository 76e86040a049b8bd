package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher started as a user starts it (a real child JVM, the real JavaFX toolkit, no Monocle): without a display,
 * with a display that cannot be opened, and without GTK 3, it prints one line naming what is missing and the command
 * that fixes it, and exits with 1.
 */
class LauncherDisplayTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private List<String> javaLauncher() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ArrayList<>(List.of(java, "-Dscribbleseg.launcher=scribbleseg-app", "-Djava.util.prefs.userRoot=" + tmp.resolve("prefs"),
                "-Dscribbleseg.prefs.node=/org/scribbleseg/app-test", "-cp", System.getProperty("java.class.path"),
                Launcher.class.getName(), "my project.sseg"));
    }

    private Run run(List<String> command, Map<String, String> envChanges) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        pb.environment().remove("DISPLAY");
        pb.environment().remove("WAYLAND_DISPLAY");
        envChanges.forEach((k, v) -> pb.environment().put(k, v));
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not exit: " + Files.readString(tmp.resolve("err.txt")));
        }
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void withoutADisplayOneLineSaysSoAndHowToRunHeadless() throws Exception {
        Run r = run(javaLauncher(), Map.of());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("no display (DISPLAY is not set)").contains("apt-get install -y --no-install-recommends xvfb xauth")
                .contains("xvfb-run -a scribbleseg-app 'my project.sseg'").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aDisplayThatCannotBeOpenedIsNamed() throws Exception {
        int n = 90;
        while (Files.exists(Path.of("/tmp/.X11-unix/X" + n)) || Files.exists(Path.of("/tmp/.X" + n + "-lock"))) {
            n--;
        }
        Run r = run(javaLauncher(), Map.of("DISPLAY", ":" + n));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("DISPLAY=:" + n + " cannot be opened").contains("xvfb-run -a scribbleseg-app");
    }

    /**
     * GTK 3 made unloadable for one child only: in a private mount namespace its library files are covered with
     * /dev/null (needs root, unshare and xvfb-run, as on CI; skipped visibly elsewhere).
     */
    @Test
    void withoutGtk3OneLineNamesThePackagesToInstall() throws Exception {
        Path gtk = Path.of("/usr/lib/x86_64-linux-gnu/libgtk-3.so.0");
        Path gdk = Path.of("/usr/lib/x86_64-linux-gnu/libgdk-3.so.0");
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(root && onPath("unshare") && onPath("xvfb-run") && Files.exists(gtk) && Files.exists(gdk),
                "skipped: needs root, unshare, xvfb-run and " + gtk + " to hide GTK 3 from one child process");
        String hide = "mount --bind /dev/null " + gtk.toRealPath() + " && mount --bind /dev/null " + gdk.toRealPath()
                + " && exec xvfb-run -a \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "sh", "-c", hide, "sh"));
        cmd.addAll(javaLauncher());
        Run r = run(cmd, Map.of());
        Assumptions.assumeFalse(r.err().contains("mount:") || r.err().contains("unshare:"), "skipped: no private mount namespace here: " + r.err());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("GTK 3").contains("is not installed")
                .contains("apt-get install -y --no-install-recommends libgtk-3-0 libxtst6 libxxf86vm1 libgl1")
                .contains("xvfb-run -a scribbleseg-app");
    }

    private static boolean onPath(String exe) throws IOException {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isBlank() && Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
