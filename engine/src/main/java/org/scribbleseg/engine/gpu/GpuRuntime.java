package org.scribbleseg.engine.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.util.AtomicFiles;

/**
 * The GPU runtime the worker process starts with: a CUDA libtorch folder chosen by {@code scribbleseg gpu install}
 * (DJL's cu128 download in its cache) or {@code scribbleseg gpu use <dir>}. Remembered in
 * {@code <home>/runtime.json}; {@code home} is {@code -Dscribbleseg.gpu.home}, else {@code $SCRIBBLESEG_GPU_HOME},
 * else {@code ~/.cache/scribbleseg/gpu}. Only the worker gets it (as {@code PYTORCH_LIBRARY_PATH},
 * {@code PYTORCH_VERSION}, {@code PYTORCH_FLAVOR}); the app's JVM keeps the bundled CPU libtorch.
 */
public final class GpuRuntime {
    public static final String PYTORCH_VERSION = "2.7.1";
    public static final String FLAVOR = "cu128";
    public static final String CLASSIFIER = "linux-x86_64";
    /** Libraries a usable CUDA libtorch folder holds (Linux names). */
    public static final List<String> REQUIRED = List.of("libtorch.so", "libtorch_cpu.so", "libc10.so", "libtorch_cuda.so", "libc10_cuda.so");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The configured runtime: where, how it came, and what it lacks. */
    public record Configured(Path dir, String source, String version, String flavor, List<String> missing) {
        public boolean complete() {
            return missing.isEmpty();
        }
    }

    private GpuRuntime() {
    }

    public static Path home() {
        String p = System.getProperty("scribbleseg.gpu.home");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String e = System.getenv("SCRIBBLESEG_GPU_HOME");
        if (e != null && !e.isBlank()) {
            return Path.of(e);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "scribbleseg", "gpu");
    }

    /** Where DJL puts its cu128 libtorch 2.7.1 ({@code <DJL engine cache>/pytorch/2.7.1-cu128-linux-x86_64}). */
    public static Path djlInstallDir() {
        return ai.djl.util.Utils.getEngineCacheDir("pytorch").resolve(PYTORCH_VERSION + "-" + FLAVOR + "-" + CLASSIFIER);
    }

    /** Library files {@link #REQUIRED} that {@code dir} lacks (all of them when it is no folder). */
    public static List<String> missing(Path dir) {
        List<String> out = new ArrayList<>();
        for (String lib : REQUIRED) {
            if (dir == null || !Files.isRegularFile(dir.resolve(lib))) {
                out.add(lib);
            }
        }
        return out;
    }

    /** Remembers {@code dir} as the worker's runtime. */
    public static void configure(Path dir, String source, String version, String flavor) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("path", dir.toAbsolutePath().normalize().toString());
        n.put("source", source);
        n.put("version", version);
        n.put("flavor", flavor);
        AtomicFiles.write(home().resolve("runtime.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    }

    /** Forgets the configured runtime (the worker uses the bundled CPU libtorch again). */
    public static void clear() throws IOException {
        Files.deleteIfExists(home().resolve("runtime.json"));
    }

    public static Optional<Configured> configured() {
        Path f = home().resolve("runtime.json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(f.toFile());
            Path dir = Path.of(n.path("path").asText());
            return Optional.of(new Configured(dir, n.path("source").asText("use"), n.path("version").asText(PYTORCH_VERSION),
                    n.path("flavor").asText(FLAVOR), missing(dir)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Environment for the worker process: the configured runtime when it is complete, else nothing (the worker
     * then runs the bundled CPU libtorch and says why).
     */
    public static Map<String, String> workerEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        configured().filter(Configured::complete).ifPresent(c -> {
            env.put("PYTORCH_LIBRARY_PATH", c.dir().toString());
            env.put("PYTORCH_VERSION", c.version());
            env.put("PYTORCH_FLAVOR", c.flavor());
        });
        return env;
    }

    /** One line on the configured runtime, for {@code gpu status} and the app. */
    public static String describe() {
        Optional<Configured> c = configured();
        if (c.isEmpty()) {
            return "no GPU runtime installed (the bundled libtorch is the CPU build): run `scribbleseg gpu install` or `scribbleseg gpu use <libtorch-dir>`";
        }
        Configured r = c.get();
        if (!r.complete()) {
            return "the GPU runtime in " + r.dir() + " is incomplete (missing " + String.join(", ", r.missing())
                    + "): run `scribbleseg gpu install` again";
        }
        return "GPU runtime: libtorch " + r.version() + " " + r.flavor() + " in " + r.dir() + " (" + r.source() + ")";
    }

    /**
     * Why the worker would not compute on the GPU, from the driver probe and the configured runtime; null when it
     * would (the worker still checks when it starts).
     */
    public static String whyNotGpu(GpuProbe driver) {
        boolean runtimeOk = configured().map(Configured::complete).orElse(false);
        GpuProbe p = new GpuProbe(driver.cuda(), driver.cudaVersion(), driver.gpus(), runtimeOk, null, driver.driverError());
        String why = DeviceChoice.whyNot(new DeviceSpec(DeviceSpec.Kind.GPU, 0), p);
        if (why != null && !runtimeOk && configured().isPresent() && why.startsWith("the PyTorch runtime")) {
            return describe();
        }
        return why;
    }
}
