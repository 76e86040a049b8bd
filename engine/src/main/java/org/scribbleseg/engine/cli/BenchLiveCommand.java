package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.eval.StrokeRaster;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench live}: stroke → prediction latency with warm feature caches. Synthetic scenes (classic backbone,
 * features computed once and held in memory) stand in for a project: {@code --images} labelled images with one
 * scribble per object, plus the current image. Each iteration adds one correction stroke on the current image
 * (on its largest wrong region), retrains the head on all images (warm start, bounded L-BFGS iterations; only the
 * changed image is re-sampled) and predicts the current image's label map at full resolution (labels-only fast
 * path); p50/p95 of that wall time are reported, and separately the prediction time with confidence maps. Then the head's training time vs number of samples (cold, fixed iterations, synthetic features).
 */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = "Stroke -> retrain -> predict latency (p50/p95) with warm feature caches, and head training time vs samples.")
public final class BenchLiveCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--images", defaultValue = "20", description = "Labelled images besides the current one. Default ${DEFAULT-VALUE}.")
    int images;

    @Option(names = "--width", defaultValue = "2048", description = "Image width. Default ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--height", defaultValue = "1536", description = "Image height. Default ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--classes", defaultValue = "5", description = "Classes. Default ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--stride", defaultValue = "4", description = "Classic backbone stride. Default ${DEFAULT-VALUE}.")
    int stride;

    @Option(names = "--iterations", defaultValue = "30", description = "Strokes timed. Default ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--warmup", defaultValue = "10", description = "engine path: strokes made before the timed ones, "
            + "not timed (the JIT compiles the loop during a session's first strokes; their times are in warmup_ms). "
            + "Default ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--thread-cpu", description = "engine path: also report, per timed stroke, the CPU time of each of "
            + "the process's threads (JIT compiler, GC, the loop's own; Linux) in stroke_threads_ms. Reading them costs "
            + "a little, so it is off by default.")
    boolean threadCpu;

    @Option(names = "--head-steps", defaultValue = "10", description = "L-BFGS iterations per warm retrain. Default ${DEFAULT-VALUE}.")
    int headSteps;

    @Option(names = "--sample-sizes", split = ",", defaultValue = "10000,100000,1000000",
            description = "Sample counts for the training-time table (0 to skip). Default ${DEFAULT-VALUE}.")
    int[] sampleSizes;

    @Option(names = "--path", defaultValue = "engine", description = "engine: through the real engine (stroke committed to the "
            + "project store -> live loop job -> PredictionsUpdated event); head: the head and predictor alone, in memory. "
            + "Default ${DEFAULT-VALUE}.")
    String path;

    @Option(names = "--workdir", description = "Keep the benchmark project here and reuse its feature cache on the next run "
            + "(default: a temporary folder, deleted).")
    java.nio.file.Path workdir;

    @Option(names = "--json", description = "Print {p50_ms, p95_ms, samples, ...} as JSON.")
    boolean json;

    @Option(names = "--with-heavy", description = "engine path: time the strokes three times, idle, while a heavy job (conv-probe in its "
            + "worker process) trains on the same project, and idle again; reports all three and the heavy round over the mean of the idle rounds.")
    boolean withHeavy;

    @Option(names = "--backbone", defaultValue = "classic", description = "engine path: classic, dinov2-<small|base|large>-random[@res] "
            + "(random weights of the real shape: timing only) or an installed DINOv2 model[@res]. Default ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--synthetic-features", description = "engine path, ViT backbones: instead of running the ViT to warm the "
            + "cache, use a stand-in with the same feature shape (channels and patch grid): classic features pooled per "
            + "patch and randomly projected. Same head cost, minutes less preparation; the key says -projected.")
    boolean syntheticFeatures;

    @Option(names = "--reference", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "engine path: also time one DINOv2 ViT-S/14 forward at 518x518 (random weights) in the same run, "
                    + "as T, and report p50/p95 as a ratio to T (the figure that transfers between machines). Default on.")
    boolean reference;

    @picocli.CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    /** A fresh backbone for each engine the benchmark opens. */
    private java.util.function.Supplier<org.scribbleseg.engine.feature.Backbone> backboneSupplier(java.nio.file.Path scratch) {
        if (org.scribbleseg.engine.Backbones.CLASSIC.equals(backbone)) {
            if (syntheticFeatures) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--synthetic-features is for ViT backbones");
            }
            return () -> new ClassicBackbone(stride);
        }
        var setting = org.scribbleseg.engine.Backbones.Setting.parse(backbone, org.scribbleseg.engine.feature.Dinov2Backbone.DEFAULT_RESOLUTION);
        boolean random = org.scribbleseg.engine.Backbones.isRandom(backbone);
        String size = random ? setting.model().substring(0, setting.model().length() - org.scribbleseg.engine.Backbones.RANDOM_SUFFIX.length())
                : setting.model();
        if (syntheticFeatures) {
            org.scribbleseg.engine.nn.Dinov2Config cfg;
            try {
                cfg = org.scribbleseg.engine.nn.Dinov2Config.preset(size);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--synthetic-features: no known shape for '" + size + "'");
            }
            return () -> new org.scribbleseg.engine.eval.ProjectedFeatures(size, cfg.hiddenSize(), setting.resolution(), cfg.patchSize(), 42);
        }
        return () -> {
            try {
                if (random) {
                    return org.scribbleseg.engine.Backbones.randomDinov2(backbone, org.scribbleseg.engine.feature.Dinov2Backbone.DEFAULT_RESOLUTION,
                            42, java.nio.file.Files.createTempDirectory(scratch, "weights"));
                }
                return org.scribbleseg.engine.Backbones.installedDinov2(backbone, org.scribbleseg.engine.feature.Dinov2Backbone.DEFAULT_RESOLUTION);
            } catch (java.io.IOException | org.scribbleseg.engine.model.ModelStoreException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage()
                        + "; or use dinov2-small-random for timing with random weights");
            }
        };
    }

    /** T: median of 3 DINOv2 ViT-S/14 forwards at 518x518 with random weights, after one warm-up (ms). */
    static double referenceMs(java.nio.file.Path scratch, PrintWriter log) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(scratch, "reference");
        try (var vit = org.scribbleseg.engine.Backbones.randomDinov2("dinov2-small-random@518", 518, 7, dir)) {
            org.scribbleseg.engine.image.RgbImage img = new SyntheticScenes(3, 1).scene(0, 518, 518).image();
            vit.features(img);
            double[] t = new double[3];
            for (int i = 0; i < t.length; i++) {
                long a = System.nanoTime();
                vit.features(img);
                t[i] = (System.nanoTime() - a) / 1e6;
            }
            double ms = percentile(t, 50);
            log.printf("reference T: DINOv2 ViT-S/14 forward at 518x518 (random weights), median of 3: %.1f ms%n", ms);
            return ms;
        }
    }

    /** Adds T and the ratios p50/T, p95/T to a result. */
    private static void addRatios(Map<String, Object> res, double tMs) {
        res.put("reference_T_ms", round(tMs));
        res.put("p50_over_T", Math.round(((Number) res.get("p50_ms")).doubleValue() / tMs * 1000) / 1000.0);
        res.put("p95_over_T", Math.round(((Number) res.get("p95_ms")).doubleValue() / tMs * 1000) / 1000.0);
    }

    /** The heavy round's figure over the mean of the idle rounds before and after it, to 3 decimals. */
    static double heavyOverIdle(Map<String, Object> heavy, Map<String, Object> before, Map<String, Object> after, String key) {
        double idle = (((Number) before.get(key)).doubleValue() + ((Number) after.get(key)).doubleValue()) / 2;
        return Math.round(((Number) heavy.get(key)).doubleValue() / idle * 1000) / 1000.0;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter log = json ? err : out;
        device.apply(err);
        if (withHeavy && !path.equals("engine")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--with-heavy needs --path engine");
        }
        if (path.equals("engine") && withHeavy) {
            java.nio.file.Path scratch = workdir != null ? java.nio.file.Files.createDirectories(workdir)
                    : java.nio.file.Files.createTempDirectory("sseg-bench-live");
            Map<String, Object> res = new LinkedHashMap<>();
            try {
                var bb = backboneSupplier(scratch);
                // idle, heavy, idle again: the first round also warms the JIT and the page cache, so the heavy round is
                // compared with the mean of the idle rounds before and after it, not with a cold one alone
                Map<String, Object> idle = org.scribbleseg.engine.bench.LiveLatencyBenchmark.run(scratch, images, width, height, classes, bb, iterations, warmup, false, threadCpu, log);
                Map<String, Object> busy = org.scribbleseg.engine.bench.LiveLatencyBenchmark.run(scratch, images, width, height, classes, bb, iterations, warmup, true, threadCpu, log);
                Map<String, Object> idleAfter = org.scribbleseg.engine.bench.LiveLatencyBenchmark.run(scratch, images, width, height, classes, bb, iterations, warmup, false, threadCpu, log);
                res.put("idle", idle);
                res.put("heavy", busy);
                res.put("idle_after", idleAfter);
                res.put("p95_ratio_heavy_over_idle", heavyOverIdle(busy, idle, idleAfter, "p95_ms"));
                res.put("p50_ratio_heavy_over_idle", heavyOverIdle(busy, idle, idleAfter, "p50_ms"));
            } finally {
                if (workdir == null) {
                    org.scribbleseg.engine.util.FileTrees.delete(scratch);
                }
            }
            log.printf("stroke -> PredictionsUpdated p95: idle %s / %s ms (before / after), with a heavy job %s ms (ratio %s); "
                            + "p50 idle %s / %s ms, heavy %s ms (ratio %s)%n",
                    ((Map<?, ?>) res.get("idle")).get("p95_ms"), ((Map<?, ?>) res.get("idle_after")).get("p95_ms"),
                    ((Map<?, ?>) res.get("heavy")).get("p95_ms"), res.get("p95_ratio_heavy_over_idle"),
                    ((Map<?, ?>) res.get("idle")).get("p50_ms"), ((Map<?, ?>) res.get("idle_after")).get("p50_ms"),
                    ((Map<?, ?>) res.get("heavy")).get("p50_ms"), res.get("p50_ratio_heavy_over_idle"));
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(res));
            }
            out.flush();
            return 0;
        }
        if (path.equals("engine")) {
            java.nio.file.Path scratch = workdir != null ? java.nio.file.Files.createDirectories(workdir)
                    : java.nio.file.Files.createTempDirectory("sseg-bench-live");
            Map<String, Object> res;
            try {
                res = org.scribbleseg.engine.bench.LiveLatencyBenchmark.run(scratch, images, width, height, classes,
                        backboneSupplier(scratch), iterations, warmup, false, threadCpu, log);
                if (reference) {
                    addRatios(res, referenceMs(scratch, log));
                }
            } finally {
                if (workdir == null) {
                    org.scribbleseg.engine.util.FileTrees.delete(scratch);
                }
            }
            log.printf("stroke -> PredictionsUpdated through the engine: p50 %s ms, p95 %s ms, max %s ms over %s strokes;"
                    + " phases p50 (ms) %s, p95 %s%n", res.get("p50_ms"), res.get("p95_ms"), res.get("max_ms"),
                    res.get("samples"), res.get("phases_p50_ms"), res.get("phases_p95_ms"));
            if (reference) {
                log.printf("as a ratio to T (%s ms): p50 %s, p95 %s%n", res.get("reference_T_ms"), res.get("p50_over_T"), res.get("p95_over_T"));
            }
            log.printf("refined prediction (all head iterations): p50 %s ms, p95 %s ms; mean mIoU of the current image"
                    + " first %s, refined %s%n", res.get("refined_p50_ms"), res.get("refined_p95_ms"),
                    res.get("first_miou_mean"), res.get("refined_miou_mean"));
            res.put("training_time", trainingTimeTable(log));
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(res));
            }
            out.flush();
            return 0;
        }
        if (!path.equals("head")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--path must be engine or head");
        }
        if (!org.scribbleseg.engine.Backbones.CLASSIC.equals(backbone)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--path head times the classic backbone only; use --path engine");
        }
        SyntheticScenes gen = new SyntheticScenes(classes, 7);
        long t0 = System.nanoTime();
        List<SyntheticScenes.Scene> scenes = new ArrayList<>();
        List<FeatureMap> feats = new ArrayList<>();
        try (ClassicBackbone bb = new ClassicBackbone(stride)) {
            for (int i = 0; i <= images; i++) {
                SyntheticScenes.Scene s = gen.scene(i, width, height);
                scenes.add(s);
                feats.add(bb.features(s.image()));
            }
        }
        log.printf("prepared %d scenes %dx%d + features (%s) in %.1f s%n", images + 1, width, height,
                "classic-v1@s" + stride, (System.nanoTime() - t0) / 1e9);
        SimulatedAnnotator ann = new SimulatedAnnotator(3, 30);
        List<LabelMap> labels = new ArrayList<>();
        long[] rev = new long[images + 1];
        for (SyntheticScenes.Scene s : scenes) {
            LabelMap l = LabelMap.unlabelled(width, height);
            SimulatedAnnotator.rasterise(ann.scribbles(s.truth()), l);
            labels.add(l);
        }
        WeakLabelHead trainer = new WeakLabelHead(WeakLabelHead.Config.defaults().withSteps(headSteps, 50));
        HeadPredictor predictor = new HeadPredictor(true);
        int cur = images; // the current image is the last one
        LinearHead head = trainer.train(set(scenes, feats, labels, rev));
        Prediction pred = predictor.predict(head, feats.get(cur), width, height, null);
        double[] ms = new double[iterations];
        double[] trainMs = new double[iterations];
        double[] predictMs = new double[iterations];
        double[] cpuMs = new double[iterations];
        int samples = 0;
        SplittableRandom jitter = new SplittableRandom(5);
        for (int it = 0; it < iterations; it++) {
            LabelMap truth = scenes.get(cur).truth();
            SimulatedAnnotator.SimStroke fix = ann.correction(truth, pred.labels(), labels.get(cur),
                    SimulatedAnnotator.Kind.SCRIBBLE);
            if (fix == null) { // nothing left to correct: a short stroke of the true class at a random place
                int x = jitter.nextInt(width);
                int y = jitter.nextInt(height);
                fix = new SimulatedAnnotator.SimStroke(truth.get(x, y), 4, new float[] {x, y});
            }
            long cpu0 = processCpuNanos();
            long a = System.nanoTime();
            StrokeRaster.paint(labels.get(cur), fix.points(), fix.radius(), fix.classValue());
            rev[cur]++;
            head = trainer.train(set(scenes, feats, labels, rev));
            long b = System.nanoTime();
            pred = predictor.predictLabels(head, feats.get(cur), width, height, null);
            long c = System.nanoTime();
            ms[it] = (c - a) / 1e6;
            cpuMs[it] = (processCpuNanos() - cpu0) / 1e6;
            trainMs[it] = (b - a) / 1e6;
            predictMs[it] = (c - b) / 1e6;
            samples = trainer.lastStats().samples();
        }
        double[] fullMs = new double[Math.min(5, iterations)];
        for (int i = 0; i < fullMs.length; i++) { // with the per-pixel confidence/uncertainty maps (overlay shown)
            long a = System.nanoTime();
            predictor.predict(head, feats.get(cur), width, height, null);
            fullMs[i] = (System.nanoTime() - a) / 1e6;
        }
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("p50_ms", round(percentile(ms, 50)));
        res.put("p95_ms", round(percentile(ms, 95)));
        res.put("samples", samples);
        res.put("cpu_p50_ms", round(percentile(cpuMs, 50)));
        res.put("cpu_p95_ms", round(percentile(cpuMs, 95)));
        res.put("train_p50_ms", round(percentile(trainMs, 50)));
        res.put("predict_p50_ms", round(percentile(predictMs, 50)));
        res.put("predict_with_confidence_p50_ms", round(percentile(fullMs, 50)));
        res.put("images", images + 1);
        res.put("image_size", width + "x" + height);
        res.put("head_steps", headSteps);
        res.put("cpus", Runtime.getRuntime().availableProcessors());
        log.printf("stroke->prediction: p50 %.1f ms, p95 %.1f ms (train p50 %.1f, predict p50 %.1f) over %d strokes,"
                + " %d samples; process CPU per stroke p50 %.1f ms, p95 %.1f ms%n", percentile(ms, 50),
                percentile(ms, 95), percentile(trainMs, 50), percentile(predictMs, 50), iterations, samples,
                percentile(cpuMs, 50), percentile(cpuMs, 95));
        log.printf("prediction with per-pixel confidence + uncertainty maps: p50 %.1f ms%n", percentile(fullMs, 50));
        res.put("training_time", trainingTimeTable(log));
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(res));
        }
        out.flush();
        return 0;
    }

    private List<Map<String, Object>> trainingTimeTable(PrintWriter log) {
        List<Map<String, Object>> scaling = new ArrayList<>();
        for (int n : sampleSizes) {
            if (n <= 0) {
                continue;
            }
            Map<String, Object> row = trainingTime(n, 54, classes, headSteps);
            scaling.add(row);
            log.printf("head training, %d samples x 54 ch x %d classes: %s ms (process CPU %s ms) for %s L-BFGS"
                    + " iterations (%s evaluations)%n", n, classes, row.get("ms"), row.get("cpu_ms"),
                    row.get("iterations"), row.get("evaluations"));
        }
        return scaling;
    }

    /** Cold training time of the head on n synthetic samples (Gaussian classes), fixed iteration budget. */
    static Map<String, Object> trainingTime(int n, int c, int k, int steps) {
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[n * c];
        int[] y = new int[n];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            w[i] = 1;
            for (int j = 0; j < c; j++) {
                x[i * c + j] = (float) (r.nextGaussian() + (j % k == y[i] ? 1 : 0));
            }
        }
        WeakLabelHead.Samples s = new WeakLabelHead.Samples(c, x, y, w);
        WeakLabelHead h = new WeakLabelHead(WeakLabelHead.Config.defaults().withMaxSteps(steps).withMaxTotalSamples(0));
        h.fitSamples(List.of(s)); // JIT warm-up
        h.reset();
        long cpuStart = processCpuNanos();
        long t0 = System.nanoTime();
        h.fitSamples(List.of(s));
        long cpu0 = processCpuNanos();
        double ms = (System.nanoTime() - t0) / 1e6;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("samples", n);
        row.put("ms", round(ms));
        row.put("cpu_ms", round((cpu0 - cpuStart) / 1e6));
        row.put("iterations", h.lastStats().optimiser().iterations());
        row.put("evaluations", h.lastStats().optimiser().evaluations());
        return row;
    }

    private static List<TrainingImage> set(List<SyntheticScenes.Scene> scenes, List<FeatureMap> feats,
            List<LabelMap> labels, long[] rev) {
        List<TrainingImage> out = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            out.add(new TrainingImage("img" + i, rev[i], feats.get(i), labels.get(i), 1.0));
        }
        return out;
    }

    /**
     * CPU time of the whole process (all threads, incl. GC), or 0 where the JVM does not expose it. On an idle
     * machine the wall time of a step is at most its CPU time (nothing in the loop waits), so CPU figures are an
     * upper bound for the latency when the benchmark host is shared.
     */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
