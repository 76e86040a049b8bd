package org.scribbleseg.engine.heavy;

import org.scribbleseg.engine.util.ThreadPools;
import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.scribbleseg.engine.gpu.DeviceChoice;
import org.scribbleseg.engine.gpu.DeviceSpec;
import org.scribbleseg.engine.gpu.GpuProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of the heavy-job protocol (docs/WORKER.md): reads one JSON command per line, writes one JSON event
 * per line, runs at most one {@link HeavyJob} at a time on a thread of its own (DJL allows one GradientCollector per
 * process). The streams are plain text lines, so the same server can sit behind a socket later. An
 * {@link OutOfMemoryError} inside a job is reported as {@code failed} and ends the process (exit 3): after an OOM the
 * JVM is not to be trusted with another job; the engine starts a fresh worker for the next one.
 */
public final class WorkerServer {
    public static final int PROTOCOL = 1;
    private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final DeviceSpec defaultSpec;
    private volatile GpuProbe probe;
    private volatile Thread jobThread;
    /** The job's thread; owned by this server, closed when {@link #serve} returns. */
    private final ThreadPools threads = new ThreadPools("worker");
    private volatile HeavyRunner runner;
    private volatile String jobId;

    public WorkerServer(PrintStream out, DeviceSpec defaultSpec) {
        this.out = out;
        this.defaultSpec = defaultSpec;
    }

    /** Serves until {@code shutdown} or the end of the input; returns the exit code. */
    public int serve(InputStream in) throws IOException {
        try (threads) {
            return serveLines(in);
        }
    }

    private int serveLines(InputStream in) throws IOException {
        probe = GpuProbe.detect();
        DeviceChoice dc = DeviceChoice.choose(defaultSpec, probe);
        ObjectNode hello = event("ready", null);
        hello.put("protocol", PROTOCOL);
        hello.put("pid", ProcessHandle.current().pid());
        hello.put("device", dc.device().toString());
        hello.put("device_reason", dc.reason());
        hello.put("runtime", probe.runtime());
        hello.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
        hello.putPOJO("methods", HeavyJobs.all().keySet());
        emit(hello);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode cmd;
            try {
                cmd = JSON.readTree(line);
            } catch (IOException e) {
                emit(error("not a JSON command: " + line));
                continue;
            }
            String name = cmd.path("cmd").asText("");
            switch (name) {
                case "start" -> start(cmd);
                case "pause" -> control(cmd, "pause");
                case "resume" -> control(cmd, "resume");
                case "cancel" -> control(cmd, "cancel");
                case "ping" -> emit(event("pong", null));
                case "shutdown" -> {
                    HeavyRunner h = runner;
                    if (h != null) {
                        h.cancel();
                        joinQuietly();
                    }
                    emit(event("bye", null));
                    return 0;
                }
                default -> emit(error("unknown command '" + name + "' (start, pause, resume, cancel, ping, shutdown)"));
            }
        }
        // the engine went away (its end of the pipe closed): stop the job at a step boundary, keeping a checkpoint
        HeavyRunner h = runner;
        if (h != null) {
            h.cancel();
            joinQuietly();
        }
        return 0;
    }

    private void joinQuietly() {
        Thread t = jobThread;
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void control(JsonNode cmd, String what) {
        HeavyRunner h = runner;
        String id = cmd.path("job").asText(null);
        if (h == null || (id != null && !id.equals(jobId))) {
            emit(error(what + ": no running job " + (id == null ? "" : "'" + id + "'")));
            return;
        }
        switch (what) {
            case "pause" -> h.pause();
            case "resume" -> h.resume();
            default -> h.cancel();
        }
    }

    private void start(JsonNode cmd) {
        String id = cmd.path("job").asText("job");
        if (runner != null) {
            emit(failed(id, "the worker is busy with job '" + jobId + "' (one heavy job at a time)"));
            return;
        }
        HeavyJob job;
        HeavyContext ctx;
        Checkpoint from = null;
        try {
            String method = cmd.path("method").asText("");
            HeavyJobFactory f = HeavyJobs.get(method);
            Path project = Path.of(cmd.path("project").asText());
            if (!Files.isDirectory(project)) {
                throw new IllegalArgumentException("no project folder " + project);
            }
            String run = cmd.path("run").asText("");
            if (!run.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("bad run id '" + run + "' (letters, digits, . _ -)");
            }
            Path runDir = project.resolve("models").resolve(run);
            ObjectNode config = cmd.has("config") && cmd.get("config").isObject() ? (ObjectNode) cmd.get("config") : JSON.createObjectNode();
            if (cmd.path("resume").asBoolean(false)) {
                from = Checkpoint.latest(runDir).orElseThrow(() -> new IllegalArgumentException("run " + run + " has no checkpoint to resume from in " + runDir));
                config = (ObjectNode) from.state().path("config"); // a resumed run keeps its config
            }
            DeviceSpec spec = cmd.has("device") ? DeviceSpec.parse(cmd.get("device").asText()) : defaultSpec;
            DeviceChoice dc = DeviceChoice.choose(spec, probe);
            Device device = dc.device();
            ctx = new HeavyContext(config, project, runDir, device);
            job = f.create();
            ObjectNode chosen = event("device", id);
            chosen.put("device", device.toString());
            chosen.put("reason", dc.reason());
            emit(chosen);
        } catch (IOException | RuntimeException e) {
            emit(failed(id, oneLine(e)));
            return;
        }
        HeavyRunner h = new HeavyRunner(job, ctx, new Emitter(id));
        runner = h;
        jobId = id;
        final Checkpoint resumeFrom = from;
        final HeavyJob theJob = job;
        Thread t = threads.start("sseg-worker-job", false, () -> {
            try (theJob) {
                h.run(resumeFrom);
            } catch (OutOfMemoryError e) {
                done();
                emit(failed(id, "out of memory (" + e.getMessage() + "; the worker's heap limit is "
                        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB): try a smaller size or batch"));
                out.flush();
                Runtime.getRuntime().halt(3);
            } catch (Throwable e) {
                LOG.warn("heavy job {} failed", id, e);
                done();
                emit(failed(id, oneLine(e)));
            } finally {
                done();
            }
        });
        jobThread = t;
    }

    /** The job reached its end: a new start is accepted from now on (sent before the terminal event). */
    private void done() {
        runner = null;
        jobId = null;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private ObjectNode event(String name, String job) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", name);
        if (job != null) {
            n.put("job", job);
        }
        return n;
    }

    private ObjectNode failed(String job, String reason) {
        ObjectNode n = event("failed", job);
        n.put("reason", reason);
        return n;
    }

    private ObjectNode error(String reason) {
        ObjectNode n = event("error", null);
        n.put("reason", reason);
        return n;
    }

    private synchronized void emit(ObjectNode n) {
        n.put("t", System.currentTimeMillis());
        try {
            out.println(JSON.writeValueAsString(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /** Turns {@link RunEvents} into protocol lines. */
    private final class Emitter implements RunEvents {
        private final String id;

        Emitter(String id) {
            this.id = id;
        }

        @Override
        public void started(String device, long step, long total, boolean resumed) {
            ObjectNode n = event("started", id);
            n.put("device", device);
            n.put("step", step);
            n.put("total", total);
            n.put("resumed", resumed);
            emit(n);
        }

        @Override
        public void progress(long step, long total, double loss, double eta, double rate) {
            ObjectNode n = event("progress", id);
            n.put("step", step);
            n.put("total", total);
            if (Double.isFinite(loss)) {
                n.put("loss", loss);
            }
            n.put("eta_s", Math.round(eta * 10) / 10.0);
            n.put("steps_per_s", rate);
            emit(n);
        }

        @Override
        public void metrics(long step, Map<String, Double> values) {
            ObjectNode n = event("metrics", id);
            n.put("step", step);
            ObjectNode v = n.putObject("values");
            values.forEach(v::put);
            emit(n);
        }

        @Override
        public void checkpoint(long step, Path dir) {
            ObjectNode n = event("checkpoint", id);
            n.put("step", step);
            n.put("path", dir.toString());
            emit(n);
        }

        @Override
        public void paused(long step) {
            ObjectNode n = event("paused", id);
            n.put("step", step);
            emit(n);
        }

        @Override
        public void resumed(long step) {
            ObjectNode n = event("resumed", id);
            n.put("step", step);
            emit(n);
        }

        @Override
        public void finished(long step, Path dir, Map<String, Double> metrics) {
            done();
            ObjectNode n = event("finished", id);
            n.put("step", step);
            n.put("path", dir.toString());
            ObjectNode v = n.putObject("metrics");
            metrics.forEach(v::put);
            emit(n);
        }

        @Override
        public void cancelled(long step, Path dir) {
            done();
            ObjectNode n = event("cancelled", id);
            n.put("step", step);
            n.put("path", dir == null ? null : dir.toString());
            emit(n);
        }
    }
}
