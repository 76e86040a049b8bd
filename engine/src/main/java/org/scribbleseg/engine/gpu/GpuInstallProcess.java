package org.scribbleseg.engine.gpu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.scribbleseg.engine.util.ThreadPools;

/**
 * {@code scribbleseg gpu install} run as a child process (as the app starts it): its progress lines go to a
 * listener, {@link #cancel} ends it (DJL keeps nothing half-downloaded), and the result says what happened in one
 * line. The app's own JVM never goes online or loads the CUDA runtime.
 */
public final class GpuInstallProcess {
    /** The end: {@code ok}, and the last line the installer printed (the folder, or why it failed). */
    public record Result(boolean ok, boolean cancelled, String message) {
    }

    private final Process process;
    private volatile boolean cancelled;

    private GpuInstallProcess(Process p) {
        this.process = p;
    }

    /** Starts the installer; {@code progress} and {@code done} are called on a reader thread. */
    public static GpuInstallProcess start(String mirror, Consumer<String> progress, Consumer<Result> done) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Dai.djl.offline=true"); // the installer goes online for its download only
        cmd.add("-DOPT_OUT_TRACKING=true");
        String home = System.getProperty("scribbleseg.gpu.home");
        if (home != null) {
            cmd.add("-Dscribbleseg.gpu.home=" + home);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.scribbleseg.engine.cli.Main");
        cmd.add("gpu");
        cmd.add("install");
        if (mirror != null) {
            cmd.add("--mirror");
            cmd.add(mirror);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OPT_OUT_TRACKING", "true");
        GpuInstallProcess g = new GpuInstallProcess(pb.start());
        // the reader's thread lives as long as the child's output: its own pools, closed when the child has ended
        ThreadPools threads = new ThreadPools("gpu install");
        threads.start("sseg-gpu-install", true, () -> {
            try {
                g.read(progress, done);
            } finally {
                threads.close();
            }
        });
        return g;
    }

    private void read(Consumer<String> progress, Consumer<Result> done) {
        String last = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*")) {
                    continue; // log lines
                }
                last = line.startsWith("error: ") ? line.substring(7) : line;
                progress.accept(last);
            }
            process.waitFor();
        } catch (IOException | InterruptedException e) {
            last = e.toString();
        }
        if (cancelled) {
            done.accept(new Result(false, true, "cancelled: nothing was installed"));
        } else {
            done.accept(new Result(process.exitValue() == 0, false, last));
        }
    }

    /** Ends the installer. */
    public void cancel() {
        cancelled = true;
        process.destroy();
    }
}
