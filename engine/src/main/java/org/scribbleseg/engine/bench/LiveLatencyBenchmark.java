package org.scribbleseg.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.eval.ProjectedFeatures;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * Stroke → {@code PredictionsUpdated} latency through the real engine, as the app sees it: a stroke is committed
 * to the project store (durable), the live loop retrains the head on every labelled image and predicts the
 * current image, and the clock stops when the mask event for that revision arrives. Features are warm (computed
 * before timing), as in the design's target.
 */
public final class LiveLatencyBenchmark {
    private LiveLatencyBenchmark() {
    }

    /**
     * Times {@code iterations} correction strokes after {@code warmup} strokes that are made the same way but not
     * timed (the JIT compiles the loop's paths during a session's first strokes; their times are reported apart, as
     * {@code warmup_ms}). With {@code heavy}, a heavy run ({@code conv-probe} in its worker process, started as the
     * app starts it: half the cores for libtorch, lower OS priority) trains on the same project during the timed
     * strokes.
     * With {@code threadCpu}, each timed stroke's CPU time per thread (Linux) is reported too.
     */
    public static Map<String, Object> run(Path scratch, int images, int width, int height, int classes,
            java.util.function.Supplier<org.scribbleseg.engine.feature.Backbone> backbone, int iterations, int warmup,
            boolean heavy, boolean threadCpu, java.io.PrintWriter log) throws IOException, InterruptedException {
        double[] warmupMs = new double[warmup];
        Map<String, Object> heavyInfo = new LinkedHashMap<>();
        SyntheticScenes gen = new SyntheticScenes(classes, 7);
        List<Path> files = new ArrayList<>();
        List<LabelMap> truth = new ArrayList<>();
        for (int i = 0; i <= images; i++) {
            SyntheticScenes.Scene s = gen.scene(i, width, height);
            Path f = scratch.resolve(String.format("scene%03d.png", i));
            ImageWriter.writePng(s.image(), f);
            files.add(f);
            truth.add(s.truth());
        }
        Path project = scratch.resolve("bench-live.sseg");
        // a kept work folder: reuse the feature cache of the last run (same images, same sha256), fresh project
        Path keptCache = scratch.resolve("cache-kept");
        if (Files.isDirectory(project.resolve("cache"))) {
            org.scribbleseg.engine.util.FileTrees.delete(keptCache);
            Files.move(project.resolve("cache"), keptCache);
        }
        org.scribbleseg.engine.util.FileTrees.delete(project);
        try (Engine setup = Engine.create(project)) {
            if (Files.isDirectory(keptCache)) {
                org.scribbleseg.engine.util.FileTrees.delete(setup.store().cacheDir());
                Files.move(keptCache, setup.store().cacheDir());
            }
            for (int c = 0; c < classes; c++) {
                setup.store().addClass("class" + c, 0x202020 * (c + 1), c, "", List.of());
            }
            setup.importImages(files, org.scribbleseg.engine.util.TaskMonitor.NONE);
        }
        SimulatedAnnotator ann = new SimulatedAnnotator(3, 30);
        double[] ms = new double[iterations];
        double[] refinedMs = new double[iterations];
        double[] firstMiou = new double[iterations];
        double[] refinedMiou = new double[iterations];
        // what the JVM itself did during each timed stroke (to the first mask): JIT compilation (summed over the
        // compiler threads, which share the cores with the loop) and garbage collection
        double[] jitMs = new double[iterations];
        double[] gcMs = new double[iterations];
        double[] cpuMs = new double[iterations];
        List<Map<String, Double>> threadMs = new ArrayList<>();
        double[] startedAt = new double[iterations];
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        com.sun.management.OperatingSystemMXBean cpu = os instanceof com.sun.management.OperatingSystemMXBean o ? o : null;
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        Map<String, double[]> phases = new LinkedHashMap<>();
        String backboneKey;
        int channels;
        int[] grid = new int[2];
        try (Engine engine = Engine.open(project, backbone.get())) {
            ProjectStore store = engine.store();
            engine.setLiveUpdate(false);
            List<ImageEntry> list = store.images();
            List<ClassDef> cls = store.classes();
            List<LabelMap> labelled = new ArrayList<>();
            long t0 = System.nanoTime();
            // each image's scribbles from its own seeded annotator (the slow part of the setup at 100 images, so
            // in parallel; the same strokes whatever the thread count), committed and rasterised alike
            List<List<SimulatedAnnotator.SimStroke>> scribbles = java.util.stream.IntStream.range(0, list.size())
                    .parallel().mapToObj(i -> new SimulatedAnnotator(1000L + i, 30).scribbles(truth.get(i))).toList();
            for (int i = 0; i < list.size(); i++) {
                engine.features(list.get(i)); // warm: cached on disk and in memory
                LabelMap l = LabelMap.unlabelled(width, height);
                // the current image (the last) starts with its scribbles too; the others are the labelled images
                for (SimulatedAnnotator.SimStroke st : scribbles.get(i)) {
                    store.commitStroke(list.get(i).id(), cls.get(st.classValue()).id(),
                            st.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE, st.radius(), st.points());
                }
                SimulatedAnnotator.rasterise(scribbles.get(i), l);
                labelled.add(l);
            }
            log.printf("prepared %d images %dx%d with scribbles and warm %s features in %.1f s%n", list.size(), width, height,
                    engine.backboneKey(), (System.nanoTime() - t0) / 1e9);
            backboneKey = engine.backboneKey();
            org.scribbleseg.engine.feature.FeatureMap f0 = engine.features(list.get(0));
            channels = f0.channels();
            grid[0] = f0.width();
            grid[1] = f0.height();
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            int cur = list.size() - 1;
            ImageEntry current = list.get(cur);
            engine.setCurrentImage(current.id());
            engine.setLiveUpdate(true);
            LabelMap pred = await(events, current.id(), store.revision()).labels();
            String heavyRun = null;
            if (heavy) {
                Map<String, Object> cfg = new LinkedHashMap<>();
                cfg.put("steps", 10_000_000);
                cfg.put("size", 64);
                cfg.put("hidden", 32);
                cfg.put("checkpoint_every", 10_000_000);
                heavyRun = engine.heavy().start("conv-probe", cfg, "cpu");
                long deadline = System.currentTimeMillis() + 300_000;
                while (engine.heavy().status(heavyRun).map(u -> !u.state().equals("running") || u.step() < 5).orElse(true)) {
                    if (System.currentTimeMillis() > deadline || engine.heavy().status(heavyRun).map(EngineEvent.HeavyRunUpdate::ended).orElse(false)) {
                        throw new IOException("the heavy job did not start: " + engine.heavy().status(heavyRun).map(EngineEvent.HeavyRunUpdate::message).orElse("?"));
                    }
                    Thread.sleep(100);
                }
                log.printf("heavy job %s running in its worker process (%d libtorch threads, nice %d)%n", heavyRun,
                        org.scribbleseg.engine.heavy.WorkerProcess.Launch.defaults().threads(), org.scribbleseg.engine.heavy.WorkerProcess.Launch.defaults().nice());
                events.clear();
            }
            long heavyStep0 = 0;
            long heavyT0 = 0;
            SplittableRandom jitter = new SplittableRandom(5);
            for (int it = -warmup; it < iterations; it++) {
                if (it == 0) {
                    heavyStep0 = heavyRun == null ? 0 : engine.heavy().status(heavyRun).map(EngineEvent.HeavyRunUpdate::step).orElse(0L);
                    heavyT0 = System.nanoTime();
                }
                SimulatedAnnotator.SimStroke fix = ann.correction(truth.get(cur), pred, labelled.get(cur), SimulatedAnnotator.Kind.SCRIBBLE);
                if (fix == null) {
                    int x = jitter.nextInt(width);
                    int y = jitter.nextInt(height);
                    fix = new SimulatedAnnotator.SimStroke(truth.get(cur).get(x, y), 4, new float[] {x, y});
                }
                SimulatedAnnotator.rasterise(List.of(fix), labelled.get(cur));
                events.clear();
                long jit0 = jitTimed ? jit.getTotalCompilationTime() : 0;
                long gc0 = gcMillis();
                long cpu0 = cpu == null ? 0 : cpu.getProcessCpuTime();
                Map<Long, ThreadCpu.Sample> threads0 = threadCpu ? ThreadCpu.snapshot() : null;
                long a = System.nanoTime();
                store.commitStroke(current.id(), cls.get(fix.classValue()).id(),
                        fix.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE, fix.radius(), fix.points());
                long rev = store.revision();
                EngineEvent.PredictionsUpdated p = await(events, current.id(), rev);
                if (it < 0) {
                    warmupMs[it + warmup] = (System.nanoTime() - a) / 1e6;
                    pred = awaitRefined(events, current.id(), rev, p).labels();
                    continue;
                }
                ms[it] = (System.nanoTime() - a) / 1e6;
                if (threadCpu) {
                    threadMs.add(ThreadCpu.delta(threads0, ThreadCpu.snapshot(), 1.0));
                    // when the stroke started, in the JVM's uptime: the time base of its GC and JIT logs
                    startedAt[it] = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - ms[it];
                }
                jitMs[it] = jitTimed ? jit.getTotalCompilationTime() - jit0 : Double.NaN;
                gcMs[it] = gcMillis() - gc0;
                cpuMs[it] = cpu == null ? Double.NaN : (cpu.getProcessCpuTime() - cpu0) / 1e6;
                firstMiou[it] = miou(truth.get(cur), p.labels(), classes);
                // the live loop goes on refining the head for this revision and predicts the image again; the
                // HeadTrained event closes the revision
                pred = awaitRefined(events, current.id(), rev, p).labels();
                refinedMs[it] = (System.nanoTime() - a) / 1e6;
                refinedMiou[it] = miou(truth.get(cur), pred, classes);
                for (Map.Entry<String, Double> t : engine.lastLoopTimings().entrySet()) {
                    phases.computeIfAbsent(t.getKey(), k -> new double[iterations])[it] = t.getValue();
                }
            }
            if (heavyRun != null) {
                var u = engine.heavy().status(heavyRun).orElseThrow();
                double secs = (System.nanoTime() - heavyT0) / 1e9;
                heavyInfo.put("method", "conv-probe");
                heavyInfo.put("state_during_timing", u.state());
                heavyInfo.put("steps_during_timing", u.step() - heavyStep0);
                heavyInfo.put("steps_per_s", round((u.step() - heavyStep0) / secs));
                heavyInfo.put("threads", org.scribbleseg.engine.heavy.WorkerProcess.Launch.defaults().threads());
                heavyInfo.put("nice", org.scribbleseg.engine.heavy.WorkerProcess.Launch.defaults().nice());
                engine.heavy().cancel(heavyRun);
                try {
                    engine.heavy().handle(heavyRun).ifPresent(h -> {
                        try {
                            h.outcome().get(120, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            // reported by the run's state
                        }
                    });
                } finally {
                    log.printf("heavy job: %s steps while the strokes were timed%n", heavyInfo.get("steps_during_timing"));
                }
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", "engine: store commit -> live loop -> PredictionsUpdated");
        if (heavy) {
            r.put("heavy_job", heavyInfo);
        }
        r.put("p50_ms", round(pct(sorted, 0.50)));
        r.put("p95_ms", round(pct(sorted, 0.95)));
        r.put("max_ms", round(sorted[sorted.length - 1]));
        r.put("stroke_ms", Arrays.stream(ms).map(LiveLatencyBenchmark::round).boxed().toList()); // in stroke order
        r.put("warmup_ms", Arrays.stream(warmupMs).map(LiveLatencyBenchmark::round).boxed().toList());
        if (jitTimed) {
            r.put("stroke_jit_ms", Arrays.stream(jitMs).map(LiveLatencyBenchmark::round).boxed().toList());
        }
        if (threadCpu) {
            r.put("stroke_threads_ms", threadMs);
            r.put("stroke_started_uptime_ms", Arrays.stream(startedAt).map(LiveLatencyBenchmark::round).boxed().toList());
        }
        r.put("stroke_gc_ms", Arrays.stream(gcMs).map(LiveLatencyBenchmark::round).boxed().toList());
        if (cpu != null) {
            r.put("stroke_cpu_ms", Arrays.stream(cpuMs).map(LiveLatencyBenchmark::round).boxed().toList());
        }
        Map<String, Object> perStroke = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> ph : phases.entrySet()) {
            if (!ph.getKey().equals("samples")) {
                perStroke.put(ph.getKey(), Arrays.stream(ph.getValue()).map(LiveLatencyBenchmark::round).boxed().toList());
            }
        }
        r.put("stroke_phases_ms", perStroke);
        double[] refinedSorted = refinedMs.clone();
        Arrays.sort(refinedSorted);
        r.put("refined_p50_ms", round(pct(refinedSorted, 0.50)));
        r.put("refined_p95_ms", round(pct(refinedSorted, 0.95)));
        r.put("first_miou_mean", Math.round(Arrays.stream(firstMiou).average().orElse(0) * 1000) / 1000.0);
        r.put("refined_miou_mean", Math.round(Arrays.stream(refinedMiou).average().orElse(0) * 1000) / 1000.0);
        r.put("samples", iterations);
        r.put("images", images + 1);
        r.put("image_size", width + "x" + height);
        r.put("backbone", backboneKey);
        r.put("channels", channels);
        r.put("feature_grid", grid[0] + "x" + grid[1]);
        Map<String, Object> p50 = new LinkedHashMap<>();
        Map<String, Object> p95 = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> ph : phases.entrySet()) {
            double[] v = ph.getValue().clone();
            Arrays.sort(v);
            p50.put(ph.getKey(), round(pct(v, 0.50)));
            p95.put(ph.getKey(), round(pct(v, 0.95)));
        }
        r.put("phases_p50_ms", p50);
        r.put("phases_p95_ms", p95);
        return r;
    }

    /** Milliseconds all the JVM's collectors have spent so far; for G1 on JDK 17 that is its pause time (young and mixed
     *  collections, remark and cleanup), not its concurrent marking, which runs beside the loop. */
    private static long gcMillis() {
        long t = 0;
        for (java.lang.management.GarbageCollectorMXBean g : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            t += Math.max(0, g.getCollectionTime());
        }
        return t;
    }

    /** mIoU of a prediction of the current image against its ground truth. */
    private static double miou(LabelMap truth, LabelMap pred, int classes) {
        return new Metrics(classes).add(truth, pred).meanIoU();
    }

    /**
     * Waits for the {@code HeadTrained} event of {@code revision} (or newer) and returns the last prediction of the
     * image that came before it ({@code first} when the loop did not predict it again).
     */
    private static EngineEvent.PredictionsUpdated awaitRefined(BlockingQueue<EngineEvent> events, long imageId,
            long revision, EngineEvent.PredictionsUpdated first) throws InterruptedException {
        EngineEvent.PredictionsUpdated last = first;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            EngineEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e instanceof EngineEvent.PredictionsUpdated p && p.imageId() == imageId && p.revision() >= revision) {
                last = p;
            } else if (e instanceof EngineEvent.HeadTrained h && h.revision() >= revision) {
                return last;
            } else if (e instanceof EngineEvent.JobFinished f && f.outcome() == EngineEvent.Outcome.FAILED) {
                throw new IllegalStateException("live loop failed: " + f.message());
            }
        }
        throw new IllegalStateException("no HeadTrained within 120 s");
    }

    /**
     * Waits (up to 120 s) for the prediction of {@code imageId} made for at least {@code revision}, skipping stale
     * ones; a failed job ends the wait with its reason.
     */
    public static EngineEvent.PredictionsUpdated await(BlockingQueue<EngineEvent> events, long imageId, long revision)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            EngineEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e instanceof EngineEvent.PredictionsUpdated p && p.imageId() == imageId && p.revision() >= revision) {
                return p;
            }
            if (e instanceof EngineEvent.JobFinished f && f.outcome() == EngineEvent.Outcome.FAILED) {
                throw new IllegalStateException("live loop failed: " + f.message());
            }
        }
        throw new IllegalStateException("no prediction within 120 s");
    }

    private static double pct(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
