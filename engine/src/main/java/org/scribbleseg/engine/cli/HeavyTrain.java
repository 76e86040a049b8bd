package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.heavy.HeavyJobs;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.EngineListener;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.RunRecord;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code train --method <heavy method>} and {@code train --resume <run>}: a heavy run in a worker process, waited for. */
final class HeavyTrain {
    /** The heavy methods for --help. */
    static final class Methods implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> all = new ArrayList<>(List.of("head"));
            all.addAll(HeavyJobs.all().keySet());
            return all.iterator();
        }
    }

    private final CommandSpec spec;
    private final HeadCommands.ProjectAndBackbone pb;
    private final String method;
    private final Long steps;
    private final Long seed;
    private final Integer checkpointEvery;
    private final List<String> set;
    private final String resume;

    HeavyTrain(CommandSpec spec, HeadCommands.ProjectAndBackbone pb, String method, Long steps, Long seed, Integer checkpointEvery,
            List<String> set, String resume) {
        this.spec = spec;
        this.pb = pb;
        this.method = method;
        this.steps = steps;
        this.seed = seed;
        this.checkpointEvery = checkpointEvery;
        this.set = set;
        this.resume = resume;
    }

    int run() throws Exception {
        if (resume == null && !HeavyJobs.all().containsKey(method)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown method '" + method + "' (head, "
                    + String.join(", ", HeavyJobs.all().keySet()) + ")");
        }
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        if (steps != null) {
            cfg.put("steps", steps);
        }
        cfg.put("seed", seed == null ? 0 : seed);
        if (checkpointEvery != null) {
            cfg.put("checkpoint_every", checkpointEvery);
        }
        for (String kv : set == null ? List.<String>of() : set) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set needs key=value, not '" + kv + "'");
            }
            String k = kv.substring(0, eq);
            String v = kv.substring(eq + 1);
            try {
                cfg.put(k, Double.parseDouble(v));
                if (v.matches("-?\\d+")) {
                    cfg.put(k, Long.parseLong(v));
                }
            } catch (NumberFormatException e) {
                cfg.put(k, v);
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        String device = pb.device.device == null ? "auto" : pb.device.device;
        try (Engine engine = Engine.open(ProjectOptions.locate(pb.project))) {
            RunRecord r = runAndWait(engine, resume == null ? method : null, cfg, device, resume, 0, err);
            if (r.state().equals(RunRecord.CANCELLED)) {
                throw new ProjectException("run " + r.id() + " was stopped at step " + r.step() + "; continue with --resume " + r.id());
            }
            out.printf("trained %s run %s: %d steps on %s -> %s%n", r.method(), r.id(), r.step(), r.device(), r.checkpoint());
            java.nio.file.Path recipe = engine.store().modelsDir().resolve(r.id()).resolve("recipe.json");
            if (java.nio.file.Files.isRegularFile(recipe)) {
                var n = new ObjectMapper().readTree(recipe.toFile());
                out.printf("recipe: %s; %s%s%n", n.path("why").asText(), n.path("steps_from").asText(),
                        n.hasNonNull("streams") ? "; " + n.path("streams").asText() : "");
            }
            if (r.metricsJson() != null && !r.metricsJson().isBlank()) {
                out.printf("metrics: %s%n", r.metricsJson());
            }
        }
        return 0;
    }

    /**
     * Starts heavy run {@code method} (or resumes run {@code resume}) in a worker, prints its progress on {@code err}
     * every 2 s and waits for its end. With {@code budgetSeconds} > 0 the run is stopped (checkpointed, state
     * cancelled) once that much time has passed. A failed run is an error; the finished or stopped run is returned.
     */
    static RunRecord runAndWait(Engine engine, String method, ObjectNode cfg, String device, String resume, long budgetSeconds,
            PrintWriter err) throws Exception {
        engine.setLiveUpdate(false);
        CompletableFuture<EngineEvent.HeavyRunUpdate> end = new CompletableFuture<>();
        long[] lastPrint = {0};
        EngineListener l = e -> {
            if (e instanceof EngineEvent.HeavyRunUpdate u) {
                if (u.ended()) {
                    end.complete(u);
                } else if (System.currentTimeMillis() - lastPrint[0] > 2000 || !u.state().equals("running")) {
                    lastPrint[0] = System.currentTimeMillis();
                    err.printf("%s: %s step %d/%d%s on %s %s%n", u.runId(), u.state(), u.step(), u.total(),
                            Double.isFinite(u.etaSeconds()) ? String.format(", %.0f s left", u.etaSeconds()) : "", u.device(), u.message());
                    err.flush();
                }
            }
        };
        engine.addListener(l);
        String runId;
        if (resume != null) {
            runId = resume;
            engine.heavy().resume(resume);
        } else {
            runId = engine.heavy().start(method, cfg, device);
        }
        EngineEvent.HeavyRunUpdate u;
        if (budgetSeconds > 0) {
            try {
                u = end.get(budgetSeconds, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException t) {
                err.printf("%s: time budget of %d s spent: stopping at the next step%n", runId, budgetSeconds);
                engine.heavy().cancel(runId);
                u = end.get();
            }
        } else {
            u = end.get();
        }
        RunRecord r = engine.store().run(runId).orElseThrow();
        if (u.state().equals("failed")) {
            throw new ProjectException("run " + runId + " failed: " + u.message());
        }
        return r;
    }
}
