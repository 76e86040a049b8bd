package org.scribbleseg.engine.heavy;

import org.scribbleseg.engine.util.ThreadPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.scribbleseg.engine.gpu.GpuRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's end of one worker process: starts {@code scribbleseg worker} as a child JVM on the same Java and class
 * path, with DJL offline, tracking opted out, a bounded libtorch thread count, a lower OS priority ({@code nice}) and
 * the GPU runtime's environment; sends commands and hands each event line to a listener on a reader thread. When the
 * process ends without a terminal event (killed, crashed, {@code System.exit} in a job), the listener gets a
 * synthetic {@code {"event":"exited","code":N,"reason":...}} naming the exit code and the last line of its stderr.
 */
public final class WorkerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String MAIN = "org.scribbleseg.engine.cli.Main";

    /** How the child is started. Defaults keep the interactive lane responsive; see docs/WORKER.md. */
    public record Launch(int threads, int nice, String maxHeap, List<String> extraJvmArgs, Map<String, String> env, String device) {
        public static Launch defaults() {
            int cores = Runtime.getRuntime().availableProcessors();
            Map<String, String> env = new LinkedHashMap<>(GpuRuntime.workerEnvironment());
            return new Launch(Integer.getInteger("scribbleseg.worker.threads", Math.max(1, cores / 2)),
                    Integer.getInteger("scribbleseg.worker.nice", 10), System.getProperty("scribbleseg.worker.xmx", "3g"),
                    List.of(), env, "auto");
        }

        public Launch withThreads(int t) {
            return new Launch(t, nice, maxHeap, extraJvmArgs, env, device);
        }

        public Launch withJvmArgs(List<String> args) {
            return new Launch(threads, nice, maxHeap, args, env, device);
        }

        public Launch withEnv(Map<String, String> e) {
            return new Launch(threads, nice, maxHeap, extraJvmArgs, e, device);
        }

        public Launch withMaxHeap(String h) {
            return new Launch(threads, nice, h, extraJvmArgs, env, device);
        }

        public Launch withDevice(String d) {
            return new Launch(threads, nice, maxHeap, extraJvmArgs, env, d);
        }
    }

    private final Process process;
    private final Writer stdin;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread reader;
    private final Thread errReader;
    private volatile boolean closing;

    /** The two reader threads; owned by this process handle and closed with it. */
    private final ThreadPools threads;

    private WorkerProcess(Process p, Consumer<JsonNode> events) {
        this.process = p;
        this.stdin = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        this.threads = new ThreadPools("worker " + p.pid());
        this.errReader = threads.start("sseg-worker-stderr-" + p.pid(), true, this::drainStderr);
        this.reader = threads.start("sseg-worker-events-" + p.pid(), true, () -> readEvents(events));
    }

    /** The command line the child is started with (tests and docs show it). */
    public static List<String> command(Launch l) {
        List<String> cmd = new ArrayList<>();
        if (l.nice() > 0 && Files.isExecutable(Path.of("/usr/bin/nice"))) {
            cmd.add("/usr/bin/nice");
            cmd.add("-n");
            cmd.add(Integer.toString(l.nice()));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + l.maxHeap());
        cmd.add("-XX:G1HeapRegionSize=16m");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-DOPT_OUT_TRACKING=true");
        cmd.add("-Dai.djl.pytorch.num_threads=" + l.threads());
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.addAll(l.extraJvmArgs());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN);
        cmd.add("worker");
        cmd.add("--device");
        cmd.add(l.device());
        return cmd;
    }

    /** Starts a worker; {@code events} hears every event line (parsed) on the reader thread. */
    public static WorkerProcess start(Launch l, Consumer<JsonNode> events) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(l));
        pb.environment().put("OPT_OUT_TRACKING", "true");
        // the worker's libtorch is the configured one or the bundled CPU build, never one inherited by accident
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        pb.environment().remove("PYTORCH_FLAVOR");
        pb.environment().remove("PYTORCH_VERSION");
        pb.environment().putAll(l.env());
        return new WorkerProcess(pb.start(), events);
    }

    public long pid() {
        return process.pid();
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Sends one command; false when the worker is gone. */
    public synchronized boolean send(ObjectNode cmd) {
        try {
            stdin.write(JSON.writeValueAsString(cmd));
            stdin.write('\n');
            stdin.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public boolean send(String cmd, String job) {
        ObjectNode n = JSON.createObjectNode();
        n.put("cmd", cmd);
        if (job != null) {
            n.put("job", job);
        }
        return send(n);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void readEvents(Consumer<JsonNode> events) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    LOG.info("worker {}: {}", process.pid(), line); // native code printing to stdout
                    continue;
                }
                if (n != null && n.has("event")) {
                    events.accept(n);
                }
            }
        } catch (IOException e) {
            // the pipe broke: the process is gone
        }
        int code;
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            errReader.join(5000);
            code = process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        ObjectNode exited = JSON.createObjectNode();
        exited.put("event", "exited");
        exited.put("code", code);
        exited.put("reason", exitReason(code));
        events.accept(exited);
    }

    private String exitReason(int code) {
        String last;
        synchronized (stderrTail) {
            last = stderrTail.stream().filter(s -> s.contains("Exception") || s.contains("Error") || s.contains("error"))
                    .reduce((a, b) -> b).orElse(stderrTail.isEmpty() ? "" : stderrTail.peekLast());
        }
        String how = code == 137 || code == -1 ? "was killed" : code > 128 ? "was killed by signal " + (code - 128) : "exited with code " + code;
        return "the worker process " + how + (closing ? " (closed)" : "") + (last.isBlank() ? "" : ": " + last.strip());
    }

    private void drainStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                LOG.debug("worker {} stderr: {}", process.pid(), line);
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    while (stderrTail.size() > 40) {
                        stderrTail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // gone
        }
    }

    /** Asks the worker to shut down (the running job checkpoints and stops), waits a little, then kills it. */
    @Override
    public void close() {
        closing = true;
        if (process.isAlive()) {
            send("shutdown", null);
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.close(); // the stderr reader ends with the child's stream; a stuck one is interrupted
    }
}
