package org.scribbleseg.engine.heavy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.JobCancelledException;
import org.scribbleseg.engine.job.JobContext;
import org.scribbleseg.engine.job.JobHandle;
import org.scribbleseg.engine.job.JobQueue;
import org.scribbleseg.engine.job.Lane;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;

/**
 * Heavy runs of one project, driven on the HEAVY lane of the {@link JobQueue}: each run is a job that starts a
 * {@link WorkerProcess}, sends it {@code start}, and turns its events into {@link EngineEvent.HeavyRunUpdate}s,
 * {@link EngineEvent.JobProgress} (for the status bar) and the run's row in the store (state, step, checkpoint,
 * metrics, device). A worker that dies (kill -9, {@code System.exit}, OOM) fails the run with the reason; the
 * engine, the app and the store stay as they were. Closing pauses running jobs at a checkpoint so the next
 * session offers to resume them.
 */
public final class HeavyRuns implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a worker may take to say {@code ready} (JVM start, libtorch load; minutes on a machine under heavy load). */
    private static final long READY_TIMEOUT_MS = Long.getLong("scribbleseg.worker.ready-timeout-ms", 600_000);

    private final ProjectStore store;
    private final JobQueue jobs;
    private final Consumer<EngineEvent> publish;
    private final Supplier<WorkerProcess.Launch> launch;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, EngineEvent.HeavyRunUpdate> latest = new ConcurrentHashMap<>();
    private volatile boolean closing;

    /** A run being driven in this session. */
    private static final class Session {
        final String runId;
        volatile JobHandle handle;
        volatile WorkerProcess worker;
        volatile boolean paused;
        volatile String pendingControl;

        Session(String runId) {
            this.runId = runId;
        }
    }

    public HeavyRuns(ProjectStore store, JobQueue jobs, Consumer<EngineEvent> publish, Supplier<WorkerProcess.Launch> launch) {
        this.store = store;
        this.jobs = jobs;
        this.publish = publish;
        this.launch = launch;
    }

    /** Starts a new run of {@code method}; returns its id (also its folder under {@code models/}). */
    public String start(String method, ObjectNode config, String device) {
        HeavyJobs.get(method); // unknown methods fail here, clearly, not in the worker
        String runId = method + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        ObjectNode cfg = config == null ? JSON.createObjectNode() : config.deepCopy();
        store.createRun(runId, method, cfg.toString(), device == null ? "auto" : device, store.revision(), cfg.path("steps").asLong(0));
        submit(runId, method, cfg, device, false);
        return runId;
    }

    /** {@link #start(String, ObjectNode, String)} with the config as a map of plain values. */
    public String start(String method, Map<String, ?> config, String device) {
        return start(method, (ObjectNode) JSON.valueToTree(config), device);
    }

    /** Continues a run from its newest checkpoint (after a crash, a cancel or a closed session). */
    public void resume(String runId) {
        RunRecord r = store.run(runId).orElseThrow(() -> new ProjectException("no run '" + runId + "' in this project"));
        if (sessions.containsKey(runId)) {
            throw new ProjectException("run " + runId + " is already running");
        }
        if (RunRecord.DONE.equals(r.state())) {
            throw new ProjectException("run " + runId + " is finished; nothing to resume");
        }
        try {
            if (Checkpoint.latest(store.modelsDir().resolve(runId)).isEmpty()) {
                throw new ProjectException("run " + runId + " has no checkpoint yet to resume from (it stopped before its first one)");
            }
        } catch (java.io.IOException e) {
            throw new ProjectException("cannot read the checkpoints of run " + runId + ": " + e.getMessage(), e);
        }
        ObjectNode cfg;
        try {
            cfg = (ObjectNode) JSON.readTree(r.configJson());
        } catch (java.io.IOException | ClassCastException e) {
            cfg = JSON.createObjectNode();
        }
        String device = r.device().contains(" ") || r.device().isBlank() ? "auto" : r.device();
        store.updateRun(runId, RunRecord.RUNNING, r.step(), r.total(), null, null, "resuming");
        submit(runId, r.method(), cfg, device, true);
    }

    /**
     * Runs that stopped without finishing and can continue from a checkpoint: those a previous session left running
     * or paused (the app was killed, or the project was closed), whose worker died (killed, crashed), or that were
     * cancelled. Newest first.
     */
    public List<RunRecord> interrupted() {
        return store.runs().stream().filter(r -> !sessions.containsKey(r.id()) && r.resumable()
                && !"weak-label-head".equals(r.method())).toList();
    }

    /** The newest heavy run of the project (any state), with its evaluations: the Model panel's curve. */
    public Optional<RunRecord> latest() {
        return store.runs().stream().filter(r -> !"weak-label-head".equals(r.method())).findFirst();
    }

    /** Pauses a run at its next step (it checkpoints first); false when it is not running here. */
    public boolean pause(String runId) {
        return control(runId, "pause");
    }

    /** Continues a paused run. */
    public boolean unpause(String runId) {
        return control(runId, "resume");
    }

    /** Stops a run at its next step, keeping a checkpoint (it can be resumed later). */
    public boolean cancel(String runId) {
        Session s = sessions.get(runId);
        if (s == null) {
            return false;
        }
        JobHandle h = s.handle;
        if (h != null) {
            h.cancel();
        }
        return control(runId, "cancel");
    }

    private boolean control(String runId, String cmd) {
        Session s = sessions.get(runId);
        if (s == null) {
            return false;
        }
        WorkerProcess w = s.worker;
        if (w == null) {
            s.pendingControl = cmd;
            return true;
        }
        return w.send(cmd, runId);
    }

    /** Whether a run is being driven in this session. */
    public boolean isActive(String runId) {
        return sessions.containsKey(runId);
    }

    /** The newest update of a run in this session. */
    public Optional<EngineEvent.HeavyRunUpdate> status(String runId) {
        return Optional.ofNullable(latest.get(runId));
    }

    /** The job driving a run in this session (wait on its outcome). */
    public Optional<JobHandle> handle(String runId) {
        Session s = sessions.get(runId);
        return s == null ? Optional.empty() : Optional.ofNullable(s.handle);
    }

    /** The worker process of a running run (tests kill it). */
    public Optional<ProcessHandle> workerProcess(String runId) {
        Session s = sessions.get(runId);
        return s == null || s.worker == null ? Optional.empty() : Optional.of(s.worker.handle());
    }

    private void submit(String runId, String method, ObjectNode config, String device, boolean resume) {
        Session s = new Session(runId);
        sessions.put(runId, s);
        update(s, method, "starting", 0, config.path("steps").asLong(0), Double.NaN, device, resume ? "resuming" : "waiting for the worker");
        s.handle = jobs.submit(Lane.HEAVY, "heavy-" + runId, title(method, runId), ctx -> {
            try {
                drive(s, method, config, device, resume, ctx);
            } finally {
                sessions.remove(runId, s);
            }
        });
    }

    private static String title(String method, String runId) {
        return "Training " + method + " (" + runId.substring(method.length() + 1) + ")";
    }

    private void drive(Session s, String method, ObjectNode config, String device, boolean resume, JobContext ctx) throws Exception {
        BlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        WorkerProcess.Launch l = launch.get().withDevice(device == null ? "auto" : device);
        String runId = s.runId;
        long total = config.path("steps").asLong(0);
        long step = 0;
        String dev = device;
        long lastStore = 0;
        try (WorkerProcess w = WorkerProcess.start(l, q::add)) {
            JsonNode ready = await(q, "ready", READY_TIMEOUT_MS);
            ObjectNode start = JSON.createObjectNode();
            start.put("cmd", "start");
            start.put("job", runId);
            start.put("method", method);
            start.put("project", store.root().toString());
            start.put("run", runId);
            start.set("config", config);
            start.put("resume", resume);
            start.put("device", device == null ? "auto" : device);
            w.send(start);
            s.worker = w;
            String pending = s.pendingControl;
            if (pending != null) {
                w.send(pending, runId);
            }
            boolean cancelSent = false;
            String reason = ready.path("device_reason").asText("");
            while (true) {
                if (ctx.isCancelled() && !cancelSent) {
                    w.send("cancel", runId);
                    cancelSent = true;
                }
                JsonNode e = q.poll(200, TimeUnit.MILLISECONDS);
                if (e == null) {
                    continue;
                }
                String ev = e.path("event").asText();
                switch (ev) {
                    case "device" -> {
                        dev = e.path("device").asText();
                        reason = e.path("reason").asText();
                        store.updateRun(runId, RunRecord.RUNNING, step, total, null, dev + " — " + reason, null);
                    }
                    case "started" -> {
                        step = e.path("step").asLong();
                        total = e.path("total").asLong();
                        store.updateRun(runId, RunRecord.RUNNING, step, total, null, null, e.path("resumed").asBoolean() ? "resumed at step " + step : "started");
                        update(s, method, "running", step, total, Double.NaN, dev, reason);
                        ctx.progress(step, total, "on " + dev);
                    }
                    case "progress" -> {
                        step = e.path("step").asLong();
                        total = e.path("total").asLong();
                        double eta = e.path("eta_s").asDouble(Double.NaN);
                        update(s, method, s.paused ? "paused" : "running", step, total, eta, dev, e.has("loss") ? String.format("loss %.4f", e.get("loss").asDouble()) : "");
                        ctx.progress(step, total, "step " + step + " of " + total + " on " + dev);
                        if (System.currentTimeMillis() - lastStore > 1000) {
                            store.updateRun(runId, RunRecord.RUNNING, step, total, null, null, null);
                            lastStore = System.currentTimeMillis();
                        }
                    }
                    case "metrics" -> {
                        Map<String, Double> m = new LinkedHashMap<>();
                        e.path("values").fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asDouble()));
                        store.addRunMetrics(runId, e.path("step").asLong(), m);
                        publish.accept(new EngineEvent.HeavyRunMetrics(runId, method, e.path("step").asLong(), java.util.Collections.unmodifiableMap(m)));
                    }
                    case "checkpoint" -> store.updateRun(runId, s.paused ? RunRecord.PAUSED : RunRecord.RUNNING, e.path("step").asLong(), total,
                            e.path("path").asText(), null, null);
                    case "paused" -> {
                        s.paused = true;
                        store.updateRun(runId, RunRecord.PAUSED, e.path("step").asLong(), total, null, null, "paused");
                        update(s, method, "paused", step, total, Double.NaN, dev, "paused");
                    }
                    case "resumed" -> {
                        s.paused = false;
                        store.updateRun(runId, RunRecord.RUNNING, e.path("step").asLong(), total, null, null, "running");
                        update(s, method, "running", step, total, Double.NaN, dev, "resumed");
                    }
                    case "finished" -> {
                        step = e.path("step").asLong();
                        store.updateRun(runId, RunRecord.DONE, step, total, e.path("path").asText(), null, "done");
                        update(s, method, "done", step, total, 0, dev, "done");
                        return;
                    }
                    case "cancelled" -> {
                        step = e.path("step").asLong();
                        String state = closing ? RunRecord.PAUSED : RunRecord.CANCELLED;
                        String msg = closing ? "stopped when the project was closed" : "cancelled";
                        store.updateRun(runId, state, step, total, e.path("path").isNull() ? null : e.path("path").asText(null), null, msg);
                        update(s, method, "cancelled", step, total, Double.NaN, dev, msg);
                        throw new JobCancelledException();
                    }
                    case "failed", "exited" -> {
                        String why = e.path("reason").asText("the worker failed");
                        store.updateRun(runId, RunRecord.FAILED, step, total, null, null, why);
                        update(s, method, "failed", step, total, Double.NaN, dev, why);
                        throw new HeavyRunException(why);
                    }
                    default -> {
                        // pong, error: nothing to do
                    }
                }
            }
        } catch (HeavyRunException | JobCancelledException e) {
            throw e;
        } catch (Exception e) {
            String why = WorkerServer.oneLine(e);
            store.updateRun(runId, RunRecord.FAILED, step, total, null, null, why);
            update(s, method, "failed", step, total, Double.NaN, dev, why);
            throw new HeavyRunException(why);
        }
    }

    private static JsonNode await(BlockingQueue<JsonNode> q, String event, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            JsonNode e = q.poll(200, TimeUnit.MILLISECONDS);
            if (e == null) {
                continue;
            }
            String ev = e.path("event").asText();
            if (ev.equals(event)) {
                return e;
            }
            if (ev.equals("exited") || ev.equals("failed")) {
                throw new HeavyRunException(e.path("reason").asText("the worker failed to start"));
            }
        }
        throw new HeavyRunException("the worker did not start within " + timeoutMs / 1000 + " s");
    }

    private void update(Session s, String method, String state, long step, long total, double eta, String device, String message) {
        EngineEvent.HeavyRunUpdate u = new EngineEvent.HeavyRunUpdate(s.runId, s.handle == null ? null : s.handle.id(), method, state,
                step, total, eta, device == null ? "" : device, message == null ? "" : message);
        latest.put(s.runId, u);
        if (u.ended()) {
            sessions.remove(s.runId, s); // whoever hears the end may resume the run at once
        }
        publish.accept(u);
    }

    /** Stops every run of this session at a checkpoint (state paused: the next session offers to resume them). */
    @Override
    public void close() {
        closing = true;
        for (Session s : sessions.values()) {
            cancel(s.runId);
        }
        for (Session s : List.copyOf(sessions.values())) {
            JobHandle h = s.handle;
            if (h != null) {
                try {
                    h.outcome().get(30, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported through the run's state
                }
            }
        }
    }

    /** A heavy run failed; the message is the one-line reason. */
    public static final class HeavyRunException extends RuntimeException {
        public HeavyRunException(String message) {
            super(message, null, false, false);
        }
    }
}
