package org.scribbleseg.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.heavy.WorkerProcess;

/**
 * Device selection and the GPU runtime without a GPU: the rules and their messages, {@code gpu install} through
 * DJL's own download code against a loopback server, a broken download, and the worker started with the installed
 * runtime folder in its environment. (No GPU exists here: the GPU path itself is untested on hardware.)
 */
class GpuRuntimeTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("scribbleseg.gpu.home");
    }

    private static GpuProbe probe(boolean cuda, int version, int gpus, boolean runtime) {
        List<String> g = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            g.add("GPU " + i + " (compute capability 9.0)");
        }
        return new GpuProbe(cuda, version, g, runtime, runtime ? "PyTorch 2.7.1 (CUDA build)" : "PyTorch 2.7.1 (CPU build)",
                cuda ? null : "no CUDA driver or runtime library (libcudart) was found");
    }

    @Test
    void selectionFallsBackToTheCpuWithTheReason() {
        assertThat(DeviceSpec.parse(null)).isEqualTo(DeviceSpec.AUTO);
        assertThat(DeviceSpec.parse("gpu")).isEqualTo(new DeviceSpec(DeviceSpec.Kind.GPU, 0));
        assertThat(DeviceSpec.parse("GPU:2").toString()).isEqualTo("gpu:2");
        assertThatThrownBy(() -> DeviceSpec.parse("tpu")).hasMessage("device must be auto, cpu, gpu or gpu:N (e.g. gpu:1), not 'tpu'");

        DeviceChoice ok = DeviceChoice.choose(DeviceSpec.AUTO, probe(true, 12080, 2, true));
        assertThat(ok.isGpu()).isTrue();
        assertThat(ok.device().getDeviceId()).isZero();
        assertThat(ok.reason()).isEqualTo("GPU 0: GPU 0 (compute capability 9.0), CUDA 12.8");
        assertThat(DeviceChoice.choose(DeviceSpec.parse("gpu:1"), probe(true, 12080, 2, true)).device().getDeviceId()).isEqualTo(1);

        assertThat(DeviceChoice.choose(DeviceSpec.CPU, probe(true, 12080, 1, true)).reason()).isEqualTo("CPU (asked for)");
        assertThat(DeviceChoice.choose(DeviceSpec.AUTO, probe(false, 0, 0, false)).reason())
                .isEqualTo("CPU: no CUDA driver or runtime library (libcudart) was found");
        DeviceChoice old = DeviceChoice.choose(DeviceSpec.parse("gpu"), probe(true, 12020, 1, true));
        assertThat(old.isGpu()).isFalse();
        assertThat(old.reason()).isEqualTo("CPU: gpu:0 was asked for, but the CUDA driver supports CUDA 12.2, older than the 12.8 "
                + "the GPU runtime (cu128) needs: update the NVIDIA driver");
        assertThat(DeviceChoice.choose(DeviceSpec.AUTO, probe(true, 12080, 0, true)).reason()).isEqualTo("CPU: no CUDA GPU was found");
        assertThat(DeviceChoice.choose(DeviceSpec.AUTO, probe(true, 12080, 1, false)).reason())
                .isEqualTo("CPU: the PyTorch runtime in use is the CPU build: run `scribbleseg gpu install` or `scribbleseg gpu use <libtorch-dir>`");
        assertThat(DeviceChoice.choose(DeviceSpec.parse("gpu:3"), probe(true, 12080, 2, true)).reason())
                .isEqualTo("CPU: gpu:3 was asked for, but there is no GPU 3 (2 found)");
    }

    @Test
    void thisMachineHasNoGpuAndSaysSo() {
        GpuProbe d = GpuProbe.detectDriver();
        org.junit.jupiter.api.Assumptions.assumeFalse(d.cuda(), "this machine has a CUDA driver: the no-GPU messages do not apply");
        System.setProperty("scribbleseg.gpu.home", tmp.resolve("home").toString());
        assertThat(GpuRuntime.whyNotGpu(d)).isEqualTo(d.driverError());
        assertThat(GpuRuntime.describe()).startsWith("no GPU runtime installed");
        assertThat(GpuRuntime.workerEnvironment()).isEmpty();
    }

    private static byte[] gz(String s) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    private Process gpuInstall(Path home, Path cache, String mirror) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dscribbleseg.gpu.home=" + home, "-DENGINE_CACHE_DIR=" + cache,
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-cp", System.getProperty("java.class.path"),
                WorkerProcess.MAIN, "gpu", "install", "--mirror", mirror);
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.redirectErrorStream(true);
        return pb.start();
    }

    @Test
    void installDownloadsThroughDjlFromALoopbackMirrorAndTheWorkerStartsWithIt() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        StringBuilder files = new StringBuilder();
        for (String lib : GpuRuntime.REQUIRED) {
            files.append("cu128/linux-x86_64/native/lib/").append(lib).append(".gz\n");
        }
        files.append("cpu/linux-x86_64/native/lib/libtorch.so.gz\n"); // another flavor: must not be fetched
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(path);
            byte[] body;
            int code = 200;
            try {
                if (path.equals("/pytorch/2.7.1/files.txt")) {
                    body = files.toString().getBytes(StandardCharsets.UTF_8);
                } else if (path.startsWith("/pytorch/2.7.1/cu128/linux-x86_64/native/lib/")) {
                    body = gz("not really " + path);
                } else {
                    code = 404;
                    body = new byte[0];
                }
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
            ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        Path home = tmp.resolve("home");
        Path cache = tmp.resolve("djl-cache");
        try {
            Process p = gpuInstall(home, cache, "http://127.0.0.1:" + server.getAddress().getPort() + "/");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("installed the GPU runtime in");
        } finally {
            server.stop(0);
        }
        assertThat(requests).contains("/pytorch/2.7.1/files.txt", "/pytorch/2.7.1/cu128/linux-x86_64/native/lib/libtorch_cuda.so.gz")
                .noneMatch(r -> r.contains("/cpu/"));
        Path dir = cache.resolve("pytorch").resolve("2.7.1-cu128-linux-x86_64");
        assertThat(Files.readString(dir.resolve("libtorch_cuda.so"))).isEqualTo("not really /pytorch/2.7.1/cu128/linux-x86_64/native/lib/libtorch_cuda.so.gz");
        assertThat(GpuRuntime.missing(dir)).isEmpty();

        // the worker is started with that runtime folder (and only the worker: this JVM is untouched)
        System.setProperty("scribbleseg.gpu.home", home.toString());
        GpuRuntime.Configured c = GpuRuntime.configured().orElseThrow();
        assertThat(c.dir()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(c.complete()).isTrue();
        Map<String, String> env = WorkerProcess.Launch.defaults().env();
        assertThat(env).containsEntry("PYTORCH_LIBRARY_PATH", dir.toAbsolutePath().normalize().toString())
                .containsEntry("PYTORCH_FLAVOR", "cu128").containsEntry("PYTORCH_VERSION", "2.7.1");
        LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        try (WorkerProcess w = WorkerProcess.start(WorkerProcess.Launch.defaults().withThreads(1), events::add)) {
            JsonNode ready = events.poll(120, TimeUnit.SECONDS);
            assertThat(ready).isNotNull();
            assertThat(ready.path("event").asText()).isEqualTo("ready");
            // these libraries are not real: the worker says it could not load them and stays on the CPU
            assertThat(ready.path("runtime").asText()).startsWith("PyTorch could not be loaded");
            assertThat(ready.path("device").asText()).isEqualTo("cpu()");
            assertThat(ready.path("device_reason").asText()).startsWith("CPU: ");
        }
    }

    @Test
    void noNetworkIsAClearErrorAndNothingIsInstalled() throws Exception {
        Path home = tmp.resolve("home");
        Path cache = tmp.resolve("djl-cache");
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Process p = gpuInstall(home, cache, "http://127.0.0.1:" + closedPort + "/");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("error: the GPU runtime could not be downloaded from http://127.0.0.1:" + closedPort)
                .contains("heavy jobs run on the CPU");
        assertThat(Files.exists(cache.resolve("pytorch").resolve("2.7.1-cu128-linux-x86_64"))).isFalse();
        System.setProperty("scribbleseg.gpu.home", home.toString());
        assertThat(GpuRuntime.configured()).isEmpty();
    }

    @Test
    void anIncompleteRuntimeIsNotUsedAndSaysWhatIsMissing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("libtorch/lib"));
        for (String lib : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so")) {
            Files.writeString(dir.resolve(lib), "x");
        }
        System.setProperty("scribbleseg.gpu.home", tmp.resolve("home").toString());
        GpuRuntime.configure(dir, "use", "2.7.1", "cu128");
        assertThat(GpuRuntime.describe()).isEqualTo("the GPU runtime in " + dir + " is incomplete (missing libtorch_cuda.so, libc10_cuda.so): "
                + "run `scribbleseg gpu install` again");
        assertThat(GpuRuntime.workerEnvironment()).as("an incomplete runtime is never handed to the worker").isEmpty();
    }
}
