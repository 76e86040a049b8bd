package org.scribbleseg.engine.gpu;

import org.scribbleseg.engine.util.ThreadPools;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code scribbleseg gpu install}: lets DJL download its CUDA 12.8 libtorch 2.7.1 into its cache through its own
 * native-library mechanism ({@code PYTORCH_FLAVOR=cu128}; DJL's private {@code LibUtils.downloadPyTorch}, the code
 * path DJL takes when no native jar is bundled), then remembers the folder for the worker ({@link GpuRuntime}). Runs
 * in a process of its own (the CLI command; the app starts that command as a child), because it switches this
 * process's DJL to online mode and sets {@code PYTORCH_FLAVOR}; tracking stays opted out. Cancel = end the process:
 * DJL downloads into a temporary folder and renames it only when complete, so a cancelled or broken download leaves
 * no half runtime (leftovers are removed on the next install).
 *
 * <p>DJL's download URL is fixed ({@code https://publish.djl.ai/pytorch/<version>/files.txt} and the files it lists).
 * With {@code mirror} set (tests: a loopback server), a URL stream handler factory sends those https requests to the
 * mirror instead; DJL opens them with {@code URL.openConnection()}, so this is the only change.
 */
public final class GpuInstaller {
    public static final String DJL_BASE = "https://publish.djl.ai/";

    private GpuInstaller() {
    }

    /** Downloads and configures; reports progress lines; returns the installed folder. Throws with a one-line reason. */
    public static Path install(String mirror, Consumer<String> progress) throws IOException {
        Path cache = ai.djl.util.Utils.getEngineCacheDir("pytorch");
        Files.createDirectories(cache);
        removeLeftovers(cache);
        Path target = GpuRuntime.djlInstallDir();
        if (GpuRuntime.missing(target).isEmpty()) {
            progress.accept("already downloaded: " + target);
            GpuRuntime.configure(target, "install", GpuRuntime.PYTORCH_VERSION, GpuRuntime.FLAVOR);
            return target;
        }
        System.setProperty("ai.djl.offline", "false"); // this process only: the user asked for this download
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("PYTORCH_FLAVOR", GpuRuntime.FLAVOR);
        System.setProperty("PYTORCH_VERSION", GpuRuntime.PYTORCH_VERSION);
        if (mirror != null && !mirror.isBlank()) {
            redirect(mirror.endsWith("/") ? mirror : mirror + "/");
        }
        ThreadPools threads = new ThreadPools("gpu install");
        threads.start("sseg-gpu-install-progress", true, () -> meter(cache, progress));
        try {
            Class<?> libUtils = Class.forName("ai.djl.pytorch.jni.LibUtils");
            Method m = libUtils.getDeclaredMethod("downloadPyTorch", ai.djl.util.Platform.class);
            m.setAccessible(true);
            m.invoke(null, ai.djl.util.Platform.detectPlatform("pytorch", GpuRuntime.PYTORCH_VERSION));
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            throw new IOException("the GPU runtime could not be downloaded from " + (mirror == null ? DJL_BASE : mirror) + ": "
                    + (c instanceof java.net.UnknownHostException ? "no network (unknown host " + c.getMessage() + ")" : c.toString())
                    + "; heavy jobs run on the CPU", c);
        } catch (ReflectiveOperationException e) {
            throw new IOException("this DJL version does not offer its libtorch download (" + e + "); use `scribbleseg gpu use <libtorch-dir>`", e);
        } finally {
            threads.close(); // interrupts the meter
        }
        List<String> missing = GpuRuntime.missing(target);
        if (!missing.isEmpty()) {
            throw new IOException("the download in " + target + " is incomplete (missing " + String.join(", ", missing) + "); run `scribbleseg gpu install` again");
        }
        GpuRuntime.configure(target, "install", GpuRuntime.PYTORCH_VERSION, GpuRuntime.FLAVOR);
        return target;
    }

    /** DJL's temporary download folders left by a cancelled or killed install. */
    private static void removeLeftovers(Path cache) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("tmp") && Files.isDirectory(p)).toList()) {
                try (Stream<Path> w = Files.walk(p)) {
                    for (Path q : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            }
        }
    }

    private static void meter(Path cache, Consumer<String> progress) {
        long last = -1;
        long t0 = System.nanoTime();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(500);
                long bytes = 0;
                try (Stream<Path> s = Files.walk(cache)) {
                    bytes = s.filter(p -> p.getFileName().toString().startsWith("tmp") || p.toString().contains("/tmp"))
                            .filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
                } catch (IOException | java.io.UncheckedIOException e) {
                    // a folder renamed while walking
                }
                if (bytes != last) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    progress.accept(String.format("downloaded %.1f MB (%.1f MB/s)", bytes / 1e6, bytes / 1e6 / Math.max(secs, 1e-3)));
                    last = bytes;
                }
            }
        } catch (InterruptedException e) {
            // done
        }
    }

    private static void redirect(String mirror) {
        URL.setURLStreamHandlerFactory(protocol -> !"https".equals(protocol) ? null : new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL u) throws IOException {
                String s = u.toString();
                if (!s.startsWith(DJL_BASE)) {
                    throw new IOException("only " + DJL_BASE + " is redirected while installing, not " + s);
                }
                return new URL(mirror + s.substring(DJL_BASE.length())).openConnection();
            }
        });
    }
}
