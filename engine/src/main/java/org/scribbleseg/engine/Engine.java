package org.scribbleseg.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.scribbleseg.engine.image.ImageImporter;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.util.ThreadPools;
import org.scribbleseg.engine.image.ImageInfo;
import org.scribbleseg.engine.image.ImageSink;
import org.scribbleseg.engine.image.ImportReport;
import org.scribbleseg.engine.project.Split;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ExportResult;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.export.VocImporter;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.ImageLimits;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.job.JobHandle;
import org.scribbleseg.engine.job.JobQueue;
import org.scribbleseg.engine.job.Lane;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.EngineListener;
import org.scribbleseg.engine.project.AcceptRecord;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageIntegrity;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * The facade the app, the CLI and the tests use: one open project, its store, image loading, background jobs and
 * the events they publish. Commands go down (store writes, {@link #setCurrentImage}), events come up through
 * {@link EngineListener}s on engine threads. The engine never calls the UI.
 */
public final class Engine implements AutoCloseable {
    /** Project setting naming the live backbone; "classic" (the offline default) when unset. */
    public static final String BACKBONE_SETTING = "backbone";

    private final ProjectStore store;
    private final List<EngineListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, EngineEvent.PredictionsUpdated> predictions = new ConcurrentHashMap<>();
    private final JobQueue jobs;
    /** Every executor and thread of this engine (job lanes, accept tracker, exports, imports): closed with it. */
    private final ThreadPools threads;
    private final FeatureCache featureCache;
    private volatile java.util.Set<String> suggestedShas = java.util.Set.of();
    private final LiveLoop live;
    private final org.scribbleseg.engine.heavy.HeavyRuns heavy;
    private final org.scribbleseg.engine.predict.Predictor livePredictor = new org.scribbleseg.engine.predict.Predictor() {
        @Override
        public String id() {
            return "live-head";
        }

        @Override
        public String description() {
            return "the live head (" + backboneKey() + ")";
        }

        @Override
        public org.scribbleseg.engine.predict.Prediction predict(ImageEntry e, boolean withMaps) {
            LinearHead h = live.head().orElseThrow(() -> new ProjectException("the live head is not trained yet: label something first"));
            return Engine.this.predict(h, e, withMaps);
        }
    };
    /** The heavy model compared with the live head (null: none), whether it is showing, and why. */
    private volatile org.scribbleseg.engine.predict.Predictor heavyPredictor;
    private volatile boolean heavyShowing;
    /** The user's choice: {@link EngineEvent.PredictorChanged#AUTO}, {@code LIVE} or {@code run:<id>}. */
    private volatile String preferred = EngineEvent.PredictorChanged.AUTO;
    private volatile EngineEvent.PredictorChanged predictorStatus = new EngineEvent.PredictorChanged("live-head", "the live head",
            "the live head is showing: no heavy model has finished training", false, EngineEvent.PredictorChanged.AUTO, null, null, null);
    private final Map<Long, org.scribbleseg.engine.predict.Prediction> heavyPredictions = new ConcurrentHashMap<>();
    private volatile long currentImage = -1;
    private volatile boolean firstTrainingScheduled;
    /** The store's changes on the event stream: the one path by which the UI hears of them. */
    private final org.scribbleseg.engine.project.StoreListener storeChanges = (imageId, revision) ->
            publish(imageId < 0 ? new EngineEvent.ClassesChanged(revision) : new EngineEvent.AnnotationsChanged(imageId, revision));
    private final Classes classes;
    private final Annotations annotations;
    private final ProjectInfo project;
    /** First looks and accept records (accuracy before correction), off the event path. */
    private final org.scribbleseg.engine.eval.AcceptTracker accepts;

    private Engine(ProjectStore store, Backbone backbone) {
        this.store = store;
        this.threads = new ThreadPools("project " + store.root().getFileName());
        this.jobs = new JobQueue(this::publish, Math.max(1, Runtime.getRuntime().availableProcessors() - 1), threads);
        this.featureCache = store.isReadOnly() ? FeatureCache.readOnlyForProject(store.root()) : FeatureCache.forProject(store.root());
        featureCache.setLimitBytes(featureCacheLimitBytes(store));
        featureCache.setPinned(this::pinnedFeatureShas);
        this.classes = new Classes(store.classRepository());
        this.annotations = new Annotations(store);
        this.project = new ProjectInfo(store);
        this.accepts = new org.scribbleseg.engine.eval.AcceptTracker(store, r -> publish(new EngineEvent.MaskAccepted(r)), threads);
        this.live = new LiveLoop(store, backbone, featureCache, jobs, this::publishLive, this::loadImage, () -> currentImage);
        store.addListener(live);
        store.addListener(storeChanges);
        live.setExcluded(oversized().stream().map(ImageEntry::id).collect(java.util.stream.Collectors.toSet()));
        this.heavy = new org.scribbleseg.engine.heavy.HeavyRuns(store, jobs, this::publish, org.scribbleseg.engine.heavy.WorkerProcess.Launch::defaults);
    }

    /** Which model's predictions are showing and why (see {@link org.scribbleseg.engine.eval.PredictorChoice}). */
    public EngineEvent.PredictorChanged predictorStatus() {
        return predictorStatus;
    }

    /** The predictor whose masks the overlay and the {@code predicted} export show now. */
    public org.scribbleseg.engine.predict.Predictor currentPredictor() {
        org.scribbleseg.engine.predict.Predictor h = heavyPredictor;
        return heavyShowing && h != null ? h : livePredictor;
    }

    /**
     * Which model the overlay, the {@code predicted} export and the suggestions show: {@code "auto"}
     * ({@link EngineEvent.PredictorChanged#AUTO}: the heavy model takes over only when it beats the live head's first
     * looks on the accepted masks), {@code "live-head"} ({@code LIVE}) or {@code "run:<id>"} (a finished run's model,
     * whatever it scores). A manual choice stays until the user picks Auto again; later accepts and finished runs
     * re-score but do not change it. Publishes {@link EngineEvent.PredictorChanged} and returns it.
     */
    public EngineEvent.PredictorChanged setPreferredPredictor(String choice) {
        String c = choice == null ? EngineEvent.PredictorChanged.AUTO : choice.strip();
        if (!c.equals(EngineEvent.PredictorChanged.AUTO) && !c.equals(EngineEvent.PredictorChanged.LIVE)) {
            String run = c.startsWith("run:") ? c.substring(4) : "";
            boolean done = store.run(run).map(r -> org.scribbleseg.engine.project.RunRecord.DONE.equals(r.state())).orElse(false);
            if (!done) {
                throw new ProjectException("cannot show '" + choice + "': choose auto, live-head or run:<id> of a finished run");
            }
        }
        preferred = c;
        return reviewPredictors();
    }

    /** The user's choice of model to show (see {@link #setPreferredPredictor}). */
    public String preferredPredictor() {
        return preferred;
    }

    /**
     * Compares a finished heavy run's model (the one the user pinned, else the newest) with the live head on the
     * masks accepted since that run took its data (the accept records' first looks) and makes the better one
     * current, unless the user pinned one ({@link #setPreferredPredictor}); publishes
     * {@link EngineEvent.PredictorChanged}. Called after a run finishes and after each accept; callable any time.
     */
    public synchronized EngineEvent.PredictorChanged reviewPredictors() {
        List<org.scribbleseg.engine.project.RunRecord> done = store.runs().stream()
                .filter(r -> org.scribbleseg.engine.project.RunRecord.DONE.equals(r.state()) && !"weak-label-head".equals(r.method()))
                .toList();
        if (preferred.startsWith("run:") && done.stream().noneMatch(r -> preferred.equals("run:" + r.id()))) {
            preferred = EngineEvent.PredictorChanged.AUTO; // the pinned run is gone
        }
        String choice = preferred;
        org.scribbleseg.engine.project.RunRecord target = done.stream().filter(r -> choice.equals("run:" + r.id())).findFirst()
                .orElse(done.isEmpty() ? null : done.get(0));
        try {
            if (target == null) {
                setHeavy(null, false, "the live head is showing: no heavy model has finished training");
                return predictorStatus;
            }
            org.scribbleseg.engine.predict.Predictor h = heavyPredictor;
            if (h == null || !h.id().equals("run:" + target.id())) {
                h = org.scribbleseg.engine.heavy.RunPredictor.of(target, this::loadImage, this::features, backboneKey()).orElse(null);
                if (h == null) {
                    setHeavy(null, false, "the live head is showing: " + target.method() + " models cannot predict yet");
                    return predictorStatus;
                }
            }
            List<org.scribbleseg.engine.eval.PredictorChoice.Evidence> ev = new java.util.ArrayList<>();
            java.util.Set<Long> heldOut = org.scribbleseg.engine.heavy.RunPredictor.heldOut(target);
            for (AcceptRecord a : store.acceptHistory()) {
                if (a.acceptedAtMillis() <= target.createdAt() && !heldOut.contains(a.imageId())) {
                    continue; // the run may have trained on it (unless the run held it out)
                }
                Optional<ImageEntry> e = store.image(a.imageId());
                Optional<org.scribbleseg.engine.project.MaskRecord> m = store.mask(a.imageId());
                if (e.isPresent() && m.isPresent()) {
                    org.scribbleseg.engine.image.LabelMap firstLook = store.predictions().withHeadRevision(a.imageId(), ProjectStore.FIRST_LOOK_RUN)
                            .map(org.scribbleseg.engine.project.PredictionRepository.HeadPrediction::labels).orElse(null);
                    ev.add(new org.scribbleseg.engine.eval.PredictorChoice.Evidence(e.get(), m.get().labels(), a.meanIoU(), firstLook));
                }
            }
            var v = org.scribbleseg.engine.eval.PredictorChoice.judge(h, ev);
            EngineEvent.PredictorChanged.Scores scores = Double.isNaN(v.heavyMiou()) ? null
                    : new EngineEvent.PredictorChanged.Scores(v.heavyMiou(), v.heavyBoundaryF(), v.liveMiou(), v.liveBoundaryF(), v.images());
            if (choice.equals(EngineEvent.PredictorChanged.LIVE)) {
                setHeavy(h, false, "the live head is showing because you chose it (Auto picks the better model); " + v.scores(h.description()), scores);
            } else if (choice.equals(h.id())) {
                setHeavy(h, true, h.description() + " is showing because you chose it (Auto picks the better model); " + v.scores(h.description()), scores);
            } else {
                setHeavy(h, v.heavyWins(), v.reason(), scores);
            }
        } catch (java.io.IOException | RuntimeException ex) {
            setHeavy(null, false, "the live head is showing: the heavy model could not be loaded (" + ex.getMessage() + ")");
        }
        return predictorStatus;
    }

    private void setHeavy(org.scribbleseg.engine.predict.Predictor h, boolean showing, String reason) {
        setHeavy(h, showing, reason, null);
    }

    private void setHeavy(org.scribbleseg.engine.predict.Predictor h, boolean showing, String reason,
            EngineEvent.PredictorChanged.Scores scores) {
        org.scribbleseg.engine.predict.Predictor old = heavyPredictor;
        if (old != null && old != h) {
            heavyPredictions.clear();
            old.close();
        }
        heavyPredictor = h;
        boolean changed = heavyShowing != showing || (showing && old != h);
        heavyShowing = showing;
        org.scribbleseg.engine.predict.Predictor cur = currentPredictor();
        predictorStatus = new EngineEvent.PredictorChanged(cur.id(), cur.description(), reason, h != null, preferred,
                h == null ? null : h.id(), h == null ? null : h.description(), scores);
        publish(predictorStatus);
        if (changed && currentImage >= 0 && live.head().isPresent()) {
            live.predictSoon(currentImage); // the overlay shows the other model's mask
        }
    }

    /**
     * Heavy runs (SemiVL, SimMIM, ..., conv-probe) in worker processes on the HEAVY lane: start, pause, resume,
     * cancel, and the runs an earlier session left unfinished.
     */
    public org.scribbleseg.engine.heavy.HeavyRuns heavy() {
        return heavy;
    }

    /** Opens a project with the backbone its settings name (the classic filter bank by default). */
    public static Engine open(Path projectDir) {
        ProjectStore s = ProjectStore.open(projectDir);
        return new Engine(s, Backbones.forSetting(s.setting(BACKBONE_SETTING).orElse(Backbones.CLASSIC), s.modelsDir()));
    }

    /** Opens a project with a given backbone (tests, benchmarks, the CLI's --backbone). */
    public static Engine open(Path projectDir, Backbone backbone) {
        return new Engine(ProjectStore.open(projectDir), backbone);
    }

    public static Engine create(Path projectDir) {
        return new Engine(ProjectStore.create(projectDir), Backbones.forSetting(Backbones.CLASSIC));
    }

    /** Key of the live backbone ("classic-v1@s4", "dinov2-small@518"...). */
    public String backboneKey() {
        return live.backboneKey();
    }

    /**
     * Where the live backbone runs and why, for the status bar (users.md #5: never leave a GPU silently unused).
     */
    public String deviceDescription() {
        if (live.backboneKey().startsWith("classic")) {
            return "CPU (OpenCV filter bank: needs no GPU)";
        }
        try {
            int gpus = ai.djl.util.cuda.CudaUtils.getGpuCount();
            ai.djl.Device d = ai.djl.engine.Engine.getInstance().defaultDevice();
            if (d.isGpu()) {
                return "GPU " + d.getDeviceId() + " (" + gpus + " CUDA device" + (gpus == 1 ? "" : "s") + ")";
            }
            return gpus > 0 ? "CPU (a CUDA GPU is present, but the bundled libtorch is the CPU build)"
                    : "CPU (no CUDA GPU found)";
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "CPU (" + e.getMessage() + ")";
        }
    }

    /** Live update on/off: when on, every committed change retrains the head and repredicts. */
    public void setLiveUpdate(boolean on) {
        live.setEnabled(on);
    }

    /**
     * Whether the current image's predictions also carry per-pixel confidence and uncertainty maps (a second
     * event after the mask). Off by default: the maps cost about as much as the mask; turn on while an uncertainty
     * view is shown. Turning it on repredicts the current image with maps.
     */
    public void setPerPixelMaps(boolean on) {
        live.setPerPixelMaps(on);
        if (on && currentImage >= 0 && live.head().isPresent()) {
            live.predictSoon(currentImage);
        }
    }

    /**
     * Phase timings of the last live-loop run (queue wait, label gathering, sampling, fitting, current-image
     * prediction) in milliseconds, the samples fitted and the loss evaluations before the first mask, for benchmarks;
     * empty before the first run.
     */
    public Map<String, Double> lastLoopTimings() {
        LiveLoop.Timings t = live.lastTimings();
        if (t == null) {
            return Map.of();
        }
        Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("queue", t.queueNanos() / 1e6);
        m.put("gather", t.gatherNanos() / 1e6);
        m.put("sample", t.sampleNanos() / 1e6);
        m.put("fit", t.fitNanos() / 1e6);
        m.put("predict", t.predictNanos() / 1e6);
        m.put("samples", (double) t.samples());
        m.put("evaluations", (double) t.evaluations()); // of the loss, before the first mask
        return m;
    }

    public boolean isLiveUpdate() {
        return live.isEnabled();
    }

    /** Trains now on everything labelled (the live loop does this by itself after each change). */
    public JobHandle retrain() {
        firstTrainingScheduled = true;
        return live.schedule(store.revision());
    }

    /** Zero-shot pre-labels of this project (MaskCLIP, ZeroSeg runs, the live head's source). */
    public org.scribbleseg.engine.zeroseg.ZeroShotPreLabels zeroShot() {
        return new org.scribbleseg.engine.zeroseg.ZeroShotPreLabels(store, heavy());
    }

    /**
     * Zero-shot pre-labels (MaskCLIP or ZeroSeg) were written to the store while the project is open: the live head
     * reads them again and retrains now.
     */
    public JobHandle preLabelsChanged() {
        live.zeroShotChanged();
        return retrain();
    }

    /**
     * The engine's threads: a component that needs a pool or a thread of its own for this project takes it here, so
     * it is stopped when the engine closes.
     */
    public ThreadPools threads() {
        return threads;
    }

    /** The background jobs (exports, prefetching, heavy training) and their events. */
    public JobQueue jobs() {
        return jobs;
    }

    /** Features of an image from the project's cache (computed by the live backbone when missing). */
    public FeatureMap features(ImageEntry e) {
        return live.featuresOf(e);
    }

    /**
     * Ranks images that are not done by the current head's mean uncertainty (highest first; ties: images whose
     * predicted classes are least represented in the labels so far). Images whose features are not cached yet
     * come last, in project order. Empty when no head is trained yet.
     */
    public List<Suggestion> suggestNext(int n) {
        List<Suggestion> ranked = Suggestions.rank(store, live.head().orElse(null), featureCache, live.backboneKey(), n);
        suggestedShas = ranked.stream().map(s -> s.image().sha256()).collect(java.util.stream.Collectors.toUnmodifiableSet());
        return ranked;
    }

    /** Project setting: the feature cache's size limit in GB (decimal); default {@link #DEFAULT_FEATURE_CACHE_GB}. */
    public static final String FEATURE_CACHE_SETTING = "feature_cache_gb";
    public static final double DEFAULT_FEATURE_CACHE_GB = FeatureCache.DEFAULT_LIMIT_BYTES / 1e9;

    /** The project's feature cache limit in bytes (an unreadable setting falls back to the default, with a warning). */
    static long featureCacheLimitBytes(ProjectStore store) {
        Optional<String> v = store.setting(FEATURE_CACHE_SETTING);
        if (v.isEmpty()) {
            return FeatureCache.DEFAULT_LIMIT_BYTES;
        }
        try {
            return gbToBytes(Double.parseDouble(v.get().strip()));
        } catch (IllegalArgumentException e) {
            org.slf4j.LoggerFactory.getLogger(Engine.class).warn("project setting {}='{}' is not a size in GB > 0; using {} GB",
                    FEATURE_CACHE_SETTING, v.get(), DEFAULT_FEATURE_CACHE_GB);
            return FeatureCache.DEFAULT_LIMIT_BYTES;
        }
    }

    private static long gbToBytes(double gb) {
        if (!(gb > 0) || gb > 1e6) {
            throw new IllegalArgumentException("the feature cache limit must be between 0 and 1,000,000 GB: " + gb);
        }
        return Math.max(1, Math.round(gb * 1e9));
    }

    /** Bytes the project's feature cache holds on disk, and its limit. */
    public record FeatureCacheUsage(long bytes, long limitBytes, int maps) {
    }

    public FeatureCacheUsage featureCacheUsage() {
        List<FeatureCache.Entry> entries = featureCache.entries();
        return new FeatureCacheUsage(entries.stream().mapToLong(FeatureCache.Entry::bytes).sum(), featureCache.limitBytes(),
                entries.size());
    }

    /** Saves a new limit (GB) in the project and evicts down to it now; returns the bytes freed. */
    public long setFeatureCacheLimitGb(double gb) {
        long bytes = gbToBytes(gb);
        store.setSetting(FEATURE_CACHE_SETTING, Double.toString(gb));
        featureCache.setLimitBytes(bytes);
        return featureCache.trim();
    }

    /** Deletes every cached feature map (they are recomputed when an image needs them); returns the bytes freed. */
    public long clearFeatureCache() {
        return featureCache.clear();
    }

    /**
     * Images whose cached features are never evicted: the current image and the next two (prefetched), every image
     * with labels, and the last suggestions.
     */
    private java.util.Set<String> pinnedFeatureShas() {
        java.util.Set<String> keep = new java.util.HashSet<>(suggestedShas);
        List<ImageEntry> all = store.images();
        long current = currentImage;
        for (int i = 0; i < all.size(); i++) {
            ImageEntry e = all.get(i);
            if (e.status() != org.scribbleseg.engine.project.ImageStatus.UNLABELLED) {
                keep.add(e.sha256());
            }
            if (e.id() == current) {
                for (int j = i; j < Math.min(all.size(), i + 3); j++) {
                    keep.add(all.get(j).sha256());
                }
            }
        }
        return keep;
    }

    /**
     * The store under the facade, for the CLI, the engine's own services and tests. The app uses
     * {@link #classes()}, {@link #annotations()} and {@link #project()} (ArchitectureTest keeps it so).
     */
    public ProjectStore store() {
        return store;
    }

    /** The project's classes: list and edit. */
    public Classes classes() {
        return classes;
    }

    /** Images' labels: strokes, tags, masks, undo. */
    public Annotations annotations() {
        return annotations;
    }

    /** The open project: name, folders, images, settings, notices. */
    public ProjectInfo project() {
        return project;
    }

    /** DJL offline and tracking opted out, unless set explicitly: call first thing in a {@code main}. */
    public static void applyOfflineDefaults() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    /** Decodes an image of the project (EXIF orientation applied). Throws {@link ProjectException} with the reason. */
    public RgbImage loadImage(long imageId) {
        ImageEntry e = store.image(imageId).orElseThrow(() -> new ProjectException("no image with id " + imageId));
        return loadImage(e);
    }

    /**
     * The image's thumbnail (longer side {@code maxSide}) from the project's disposable cache
     * ({@code cache/thumbnails/<sha256>-<size>.png}), made and stored there when missing or damaged.
     */
    public RgbImage thumbnail(ImageEntry e, int maxSide) {
        return org.scribbleseg.engine.image.Thumbnails.cached(store.cacheDir(), e.sha256(), maxSide, () -> loadImage(e));
    }

    public RgbImage loadImage(ImageEntry e) {
        Path file = store.resolve(e);
        long max = maxPixels();
        if (ImageLimits.tooLarge(e.width(), e.height(), max)) {
            throw new ProjectException("image " + file + " is " + ImageLimits.reason(e.width(), e.height(), max));
        }
        try {
            return ImageLoader.load(file, max);
        } catch (java.io.IOException | RuntimeException ex) {
            throw new ProjectException("cannot read image " + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Adds image files and folders (recursively) to the project. Each file is fully decoded before it is added;
     * undecodable files and duplicates are reported, never half-added.
     */
    public ImportReport importImages(List<Path> inputs, TaskMonitor monitor) throws IOException {
        return importImages(inputs, monitor, maxPixels());
    }

    /** The project's pixel limit ({@link ImageLimits}): larger images are refused at import and left out of training. */
    public long maxPixels() {
        return ImageLimits.fromSetting(store.setting(ImageLimits.SETTING).orElse(null));
    }

    /** As {@link #importImages(List, TaskMonitor)} with another pixel limit. */
    public ImportReport importImages(List<Path> inputs, TaskMonitor monitor, long maxPixels) throws IOException {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        int[] added = {0};
        int[] total = {0};
        try {
            return ImageImporter.importPaths(inputs, new ImageSink() {
                @Override
                public boolean exists(String sha256) {
                    return store.imageBySha(sha256).isPresent();
                }

                @Override
                public void add(ImageInfo info, Path file) {
                    store.addImage(file, info.sha256(), info.width(), info.height(), Split.NONE);
                    added[0]++;
                }
            }, TaskMonitor.of((done, all, file) -> {
                total[0] = (int) all;
                progress.progress(done, all, file);
            }, progress::isCancelled), maxPixels, threads);
        } catch (ProjectException e) {
            // what was and was not done: every image added so far is committed and stays
            String of = total[0] > 0 ? " (of " + total[0] + " files)" : "";
            throw new ProjectException("import stopped: " + e.getMessage() + "; " + added[0] + " images were added before that"
                    + of + " and stay in the project, the others were not", e);
        }
    }

    /**
     * Exports the project as PASCAL VOC (specs/voc.md): atomic, with progress and cancellation. For
     * {@link ExportMode#PREDICTED} the current head predicts images that have no live prediction yet.
     */
    public ExportResult exportVoc(VocExporter.Options options, TaskMonitor monitor) throws IOException {
        return exportVoc(options, monitor, false);
    }

    /**
     * As {@link #exportVoc(VocExporter.Options, TaskMonitor)}; images whose file changed on
     * disk since import (or is missing) are refused with a message naming them, or left out when {@code skipChanged}
     * (the result's warnings name them): their labels were drawn on other pixels.
     */
    public ExportResult exportVoc(VocExporter.Options options, TaskMonitor monitor, boolean skipChanged) throws IOException {
        List<ImageIntegrity.Problem> problems = checkImages();
        if (!problems.isEmpty() && !skipChanged) {
            throw new ProjectException(describeProblems(problems) + ". Nothing was exported: re-link or drop their labels "
                    + "(scribbleseg images <project> --relink/--drop-labels), or export the others with --skip-changed.");
        }
        java.util.Set<Long> skip = new java.util.HashSet<>();
        problems.forEach(p -> skip.add(p.image().id()));
        ExportResult r = VocExporter.export(VocBridge.source(this, live.head(), skip), options, monitor, threads);
        if (problems.isEmpty()) {
            return r;
        }
        List<String> warnings = new java.util.ArrayList<>(r.warnings());
        warnings.add(0, "left out: " + describeProblems(problems));
        return r.withWarnings(warnings);
    }

    /**
     * Checks every image file against the project (size and time, then the hash when they differ: see
     * {@link ImageIntegrity}); the images that changed or are missing are left out of training from now on.
     */
    public List<ImageIntegrity.Problem> checkImages() {
        List<ImageIntegrity.Problem> problems = ImageIntegrity.check(store);
        java.util.Set<Long> ids = new java.util.HashSet<>();
        problems.forEach(p -> ids.add(p.image().id()));
        oversized().forEach(e -> ids.add(e.id()));
        live.setExcluded(ids);
        return problems;
    }

    /** Images of the project over its pixel limit (imported before the limit, or with a higher one): never decoded. */
    public List<ImageEntry> oversized() {
        long max = maxPixels();
        return store.images().stream().filter(e -> ImageLimits.tooLarge(e.width(), e.height(), max)).toList();
    }

    /** The images training leaves out now (changed or missing files, over the pixel limit). */
    public java.util.Set<Long> excludedFromTraining() {
        return live.excluded();
    }

    /** "2 images changed on disk since import: a.jpg (image 3): ...; ..." (at most 10 named). */
    public static String describeProblems(List<ImageIntegrity.Problem> problems) {
        StringBuilder b = new StringBuilder();
        b.append(problems.size()).append(problems.size() == 1 ? " image no longer matches" : " images no longer match")
                .append(" its file: ");
        for (int i = 0; i < Math.min(10, problems.size()); i++) {
            b.append(i == 0 ? "" : "; ").append(problems.get(i).describe());
        }
        if (problems.size() > 10) {
            b.append("; and ").append(problems.size() - 10).append(" more");
        }
        return b.toString();
    }

    /** Imports a VOC folder (ours or anyone's) into this project; returns a one-line summary. */
    public String importVoc(Path folder) throws IOException {
        return importVoc(store, folder);
    }

    /** Imports a VOC folder into an open store (no engine needed: a project being created); a one-line summary. */
    public static String importVoc(ProjectStore store, Path folder) throws IOException {
        var r = VocBridge.importInto(store, VocImporter.read(folder));
        return r.images() + " images (" + r.added() + " new), " + r.masks() + " masks, " + r.classesAdded() + " classes added"
                + (r.warnings().isEmpty() ? "" : "; " + r.warnings().size() + " warnings: " + String.join("; ", r.warnings()));
    }

    /** Trains the head now and waits (CLI use); false when nothing is labelled. */
    public boolean trainNow() throws InterruptedException, java.util.concurrent.ExecutionException {
        checkImages(); // changed or missing files are left out
        JobHandle h = retrain();
        if (h.outcome().get() == EngineEvent.Outcome.FAILED) {
            throw new ProjectException("training failed: " + h.failure());
        }
        return live.head().isPresent();
    }

    /**
     * Predicts an image with {@code head} (classes tagged absent on it suppressed); {@code withMaps} adds the
     * per-pixel confidence and uncertainty maps.
     */
    public org.scribbleseg.engine.predict.Prediction predict(LinearHead head, ImageEntry e, boolean withMaps) {
        return live.predict(head, e, live.featuresOf(e), withMaps);
    }

    /** The head trained last, if any. */
    public Optional<LinearHead> head() {
        return live.head();
    }

    /**
     * The image the user is looking at: predicted first; its features and the next images' are prefetched on the
     * features lane.
     */
    public void setCurrentImage(long imageId) {
        currentImage = imageId;
        if (imageId < 0) {
            return;
        }
        if (live.head().isPresent()) {
            live.predictSoon(imageId);
        } else if (live.isEnabled() && !firstTrainingScheduled) {
            // a project opened with labels from an earlier session: train once without waiting for a stroke
            firstTrainingScheduled = true;
            live.schedule(store.revision());
        }
        List<ImageEntry> all = store.images();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id() == imageId) {
                List<ImageEntry> next = all.subList(i, Math.min(all.size(), i + 3));
                jobs.submit(Lane.FEATURES, "prefetch-features", "Extracting features", ctx -> {
                    int k = 0;
                    for (ImageEntry e : next) {
                        ctx.checkCancelled();
                        live.featuresOf(e);
                        ctx.progress(++k, next.size(), e.stem());
                    }
                });
                break;
            }
        }
    }

    public long currentImage() {
        return currentImage;
    }

    /** The latest prediction of an image, if one was made in this session. */
    public Optional<EngineEvent.PredictionsUpdated> latestPrediction(long imageId) {
        return Optional.ofNullable(predictions.get(imageId));
    }

    public void addListener(EngineListener l) {
        listeners.add(l);
    }

    public void removeListener(EngineListener l) {
        listeners.remove(l);
    }

    /**
     * The accept history: per accepted image, how well the live head predicted it before the user touched it
     * (its first look) against the accepted mask, and the strokes and time the image took. In first-accept order.
     */
    public List<AcceptRecord> acceptHistory() {
        accepts.flush(); // the records of the accepts made so far
        return store.acceptHistory();
    }

    /** The accept tracker: {@link org.scribbleseg.engine.eval.AcceptTracker#flush()} waits for pending first looks. */
    public org.scribbleseg.engine.eval.AcceptTracker acceptTracker() {
        return accepts;
    }

    /**
     * The live loop's events: the live head's prediction of the image on screen is its first look while nobody has
     * labelled it (the first look is always the live head's: it is what the heavy models are measured against).
     * Only the current image: the neighbours' predictions are not seen.
     */
    private void publishLive(EngineEvent e) {
        if (e instanceof EngineEvent.PredictionsUpdated p && p.imageId() == currentImage) {
            accepts.looked(p.imageId(), p.labels(), p.revision());
        }
        publish(e);
    }

    void publish(EngineEvent e) {
        if (e instanceof EngineEvent.PredictionsUpdated p) {
            org.scribbleseg.engine.predict.Predictor h = heavyPredictor;
            if (heavyShowing && h != null) {
                e = p = heavyPrediction(h, p);
            }
            predictions.put(p.imageId(), p);
        } else if (e instanceof EngineEvent.HeavyRunUpdate u && u.state().equals("done")) {
            jobs.submit(Lane.FEATURES, "review-predictors", "Comparing models", ctx -> reviewPredictors());
        } else if (e instanceof EngineEvent.MaskAccepted && heavyPredictor != null) {
            jobs.submit(Lane.FEATURES, "review-predictors", "Comparing models", ctx -> reviewPredictors());
        }
        for (EngineListener l : listeners) {
            l.onEvent(e);
        }
    }

    /** The heavy model's mask of the image in place of the live head's (cached: it does not change with strokes). */
    private EngineEvent.PredictionsUpdated heavyPrediction(org.scribbleseg.engine.predict.Predictor h, EngineEvent.PredictionsUpdated p) {
        boolean maps = p.confidence() != null;
        org.scribbleseg.engine.predict.Prediction hp = heavyPredictions.get(p.imageId());
        if (hp == null || (maps && hp.confidence() == null)) {
            ImageEntry e = store.image(p.imageId()).orElse(null);
            if (e == null) {
                return p;
            }
            hp = h.predict(e, maps);
            heavyPredictions.put(p.imageId(), hp);
        }
        return new EngineEvent.PredictionsUpdated(p.imageId(), p.revision(), hp.labels(), maps ? hp.confidence() : null,
                maps ? hp.uncertainty() : null, hp.meanUncertainty());
    }

    @Override
    public void close() {
        heavy.close(); // running heavy jobs checkpoint and stop first (resumable next session)
        org.scribbleseg.engine.predict.Predictor h = heavyPredictor;
        if (h != null) {
            h.close();
        }
        store.removeListener(live);
        store.removeListener(storeChanges);
        jobs.close();
        accepts.close(); // pending first looks and accept records are written
        live.close();
        predictions.clear(); // a closed engine still referenced from somewhere holds no prediction maps
        listeners.clear();
        threads.close(); // whatever else took a pool or a thread for this project
        store.close();
    }
}
