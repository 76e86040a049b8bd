package org.scribbleseg.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.JobContext;
import org.scribbleseg.engine.job.JobHandle;
import org.scribbleseg.engine.job.JobQueue;
import org.scribbleseg.engine.job.Lane;
import org.scribbleseg.engine.predict.Calibration;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StoreListener;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.Tag;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TagPseudoMasks;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;
import org.scribbleseg.engine.project.PreLabelSource;

/**
 * The live loop of DESIGN §3: every committed change schedules one coalesced head training on the interactive
 * lane (a newer revision cancels the stale job), then the current image is predicted first and its neighbours
 * after. Feature maps come from the disk cache (computed by the backbone when missing) and are kept in memory,
 * identity-stable, so the head re-samples only the images whose labels changed.
 */
final class LiveLoop implements StoreListener {
    private static final String TRAIN_KEY = "train-head";
    private static final String PREDICT_KEY = "predict-current";
    private static final String MAPS_KEY = "maps-current";
    private static final String NEIGHBOURS_KEY = "predict-neighbours";
    /**
     * L-BFGS iterations before the first prediction of a revision: the head is warm-started from the previous
     * revision's, so a few iterations take in the new stroke; the remaining {@link WeakLabelHead.Config#maxSteps()}
     * follow, and the current image is predicted again (unless a newer stroke cancelled the job by then). Three, not
     * four: at 768 channels each iteration streams 60 MB of samples, and the first mask after three was as good as
     * after four ({@code bench live}, 100 images, mean mIoU of the current image's first mask: DINOv2-B shape 0.903
     * after four and after three, DINOv2-S shape 0.892 and 0.893), and the fit before it takes 3/4 of the time.
     */
    static final int FIRST_STEPS = 3;
    /**
     * Loss evaluations allowed before the first prediction: the first one, one per iteration and one halving of a
     * line search. A stroke whose line searches backtracked more took 7-8 evaluations, twice the usual fit time, and
     * made the tail of the stroke latencies (DINOv2-S shape, 100 images: fit 22-30 ms against 14); the refinement
     * right after it goes on from the first mask's head.
     */
    static final int FIRST_EVALUATIONS = FIRST_STEPS + 2;
    /**
     * In-memory feature maps kept for the loop, in floats (about 128 MB, always at least the current image's and the
     * one just read): the current image and its neighbours; the head keeps its own samples of every other labelled
     * image, so their maps are read (from the disk cache) only when an image is re-sampled.
     */
    private static final long MEMORY_BUDGET_FLOATS = 32_000_000L;
    /** Full-resolution label maps kept (the most recently used images), for incremental painting of new strokes. */
    private static final int LABEL_MAPS_KEPT = 8;
    /**
     * Pixels of split training maps kept from the held-out split until the head samples them, per training (about
     * 20 maps at 3 MP). A stroke changes one image, whose map is always kept; at the first training of a project
     * with 500 labelled images, keeping all of them held 1.5 GB at once (peak RSS 4 GB on opening): the rest are
     * rasterised and split again when the head samples them.
     */
    private static final long TRAIN_LABELS_KEPT_PIXELS = 64L << 20;

    private final ProjectStore store;
    private final Backbone backbone;
    private final FeatureCache cache;
    private final JobQueue jobs;
    private final Consumer<EngineEvent> publish;
    private final Function<ImageEntry, RgbImage> loader;
    private final java.util.function.LongSupplier currentImage;

    private final WeakLabelHead head = new WeakLabelHead(WeakLabelHead.Config.defaults());
    private final TagPseudoMasks tagMasks = new TagPseudoMasks();
    private final HeadPredictor predictor = new HeadPredictor();
    private final Map<Long, Long> imageRevision = new ConcurrentHashMap<>();
    private volatile long classesRevision;
    // interactive-lane state (one thread)
    private final LinkedHashMap<Long, FeatureMap> features = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Long, LabelsAt> labels = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, LabelsAt> eldest) {
            return size() > LABEL_MAPS_KEPT;
        }
    };
    private final LabelSnapshot snapshot;
    /**
     * Zero-shot pre-labels read from the store, per image; their revision (also the training samples' revision)
     * counts the rewrites announced by {@link #zeroShotChanged} and names the {@link PreLabelSource} they were read for.
     */
    private final Map<Long, LabelsAt> zeroShot = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicLong zeroShotGeneration = new java.util.concurrent.atomic.AtomicLong();
    private volatile LinearHead trained;
    /** Per labelled image, what each stroke needs without its maps: revision, labelled count, held-out samples. */
    private final Map<Long, ImageState> heldOut = new HashMap<>();
    /** {@link Calibration#split}'s held-out map, reused (only the training job, one at a time, touches it). */
    private byte[] heldOutBuffer;
    /** The labelled images' entries as the last training read them (interactive lane only). */
    private Map<Long, ImageEntry> entries = new HashMap<>();
    private volatile double temperature = 1.0;
    private volatile long trainedRevision = -1;
    private volatile boolean enabled = true;
    private volatile boolean perPixelMaps;

    /**
     * Where the time of the last live-loop run went, in nanoseconds: from the store change to the job starting
     * (queue), gathering the labels and pseudo-masks, sampling + fitting the head, and predicting the current image
     * (up to its event being published). For {@code bench live}.
     */
    record Timings(long queueNanos, long gatherNanos, long sampleNanos, long fitNanos, long predictNanos, int samples, int evaluations) {
    }

    private volatile Timings lastTimings;
    private volatile long changedAt;
    /** Images left out of training (their file changed on disk, or they are too large to process). */
    private volatile Set<Long> excluded = Set.of();

    Timings lastTimings() {
        return lastTimings;
    }

    /**
     * An image's labels at one revision, without the maps: how many pixels are labelled and the features of its
     * held-out pixels for calibration (null when none). Its identity is the head's cue to keep the image's samples.
     */
    private static final class ImageState {
        final long revision;
        final long classesRevision;
        final long labelled;
        WeakLabelHead.Samples heldOut;
        /**
         * The training part of the split made for the held-out pixels, until the head samples it (the same
         * revision's map, so it is not rasterised and split a second time); then null.
         */
        LabelMap trainLabels;

        ImageState(long revision, long classesRevision, long labelled, WeakLabelHead.Samples heldOut) {
            this.revision = revision;
            this.classesRevision = classesRevision;
            this.labelled = labelled;
            this.heldOut = heldOut;
        }
    }

    /** Held-out pixels per class and image read for the temperature fit (the fit takes at most 5,000 in all). */
    private static final int HELD_OUT_PER_CLASS = 500;

    /** An image's rasterized labels, the strokes they were drawn from, and how many pixels are labelled. */
    private record LabelsAt(long revision, long classesRevision, LabelMap labels, List<Long> strokeIds, long labelled,
            boolean hadMask) {
    }

    LiveLoop(ProjectStore store, Backbone backbone, FeatureCache cache, JobQueue jobs, Consumer<EngineEvent> publish,
            Function<ImageEntry, RgbImage> loader, java.util.function.LongSupplier currentImage) {
        this.store = store;
        this.backbone = backbone;
        this.cache = cache;
        this.jobs = jobs;
        this.publish = publish;
        this.loader = loader;
        this.currentImage = currentImage;
        this.snapshot = new LabelSnapshot(store);
    }

    /** Releases the backbone (native memory of DJL models). Call after the job queue stopped. */
    void close() {
        synchronized (backbone) {
            backbone.close();
        }
        synchronized (features) {
            features.clear(); // features of every image seen (hundreds of MB): not kept by a closed project
        }
        labels.clear();
        heldOut.clear();
        zeroShot.clear();
        tagMasks.clear();
        trained = null;
        head.release();
    }

    String backboneKey() {
        return backbone.key();
    }

    void setEnabled(boolean on) {
        enabled = on;
        if (on) {
            schedule(store.revision());
        }
    }

    /** Whether predictions of the current image also carry per-pixel confidence and uncertainty maps. */
    void setPerPixelMaps(boolean on) {
        perPixelMaps = on;
    }

    boolean isEnabled() {
        return enabled;
    }

    /** The head the loop predicts with: the trained head with its logits divided by {@link #temperature()}. */
    Optional<LinearHead> head() {
        return Optional.ofNullable(trained);
    }

    /** The temperature fitted on held-out labelled pixels after the last training (1 before any). */
    double temperature() {
        return temperature;
    }

    @Override
    public void annotationsChanged(long imageId, long revision) {
        if (imageId < 0) {
            classesRevision = revision;
        } else {
            imageRevision.put(imageId, revision);
        }
        changedAt = System.nanoTime();
        if (enabled) {
            schedule(revision);
        }
    }

    /** Schedules training for {@code revision}, replacing (cancelling) any stale training job. */
    JobHandle schedule(long revision) {
        // the neighbours' predictions and the confidence maps of the stale head would only delay this one (they run
        // on the other core, and this revision makes its own maps once its head is refined)
        jobs.cancelKey(NEIGHBOURS_KEY);
        jobs.cancelKey(MAPS_KEY);
        return jobs.submit(Lane.INTERACTIVE, TRAIN_KEY, "Training head (revision " + revision + ")",
                ctx -> trainAndPredict(revision, ctx));
    }

    /** Predicts an image with the current head (when the user switches images). */
    JobHandle predictSoon(long imageId) {
        return jobs.submit(Lane.INTERACTIVE, PREDICT_KEY, "Predicting", ctx -> {
            LinearHead h = trained;
            if (h != null) {
                store.image(imageId).ifPresent(e -> {
                    predictAndPublish(h, e, trainedRevision, ctx, false);
                    if (perPixelMaps) {
                        predictAndPublish(h, e, trainedRevision, ctx, true);
                    }
                });
            }
        });
    }

    private void trainAndPredict(long revision, JobContext ctx) {
        long start = System.nanoTime();
        long queued = start - changedAt;
        List<ClassDef> classes = store.classes();
        Map<Long, Integer> vocOf = new HashMap<>();
        for (ClassDef c : classes) {
            vocOf.put(c.id(), c.vocIndex());
        }
        snapshot.refresh(); // what changed since the last run, not the whole tables
        Map<Long, List<Stroke>> strokes = snapshot.strokes();
        Set<Long> withMask = snapshot.withMask();
        List<Tag> tags = snapshot.tags();
        Set<Long> labelled = new java.util.TreeSet<>(strokes.keySet());
        labelled.addAll(withMask);
        labelled.removeAll(excluded);
        ctx.checkCancelled();

        List<TrainingImage> training = new ArrayList<>();
        List<WeakLabelHead.Samples> calibration = new ArrayList<>();
        Map<Long, ImageEntry> entriesNow = new HashMap<>();
        // the temperature fit takes at most Calibration.MAX_SAMPLES in all: with many images, each keeps fewer
        int quota = (int) Math.max(8, Math.min(HELD_OUT_PER_CLASS, Calibration.MAX_SAMPLES / Math.max(1, labelled.size())));
        int n = 0;
        long keptPixels = 0;
        for (long id : labelled) {
            ctx.checkCancelled();
            // what the loop reads of an entry here (size, checksum, name) never changes: one query per image and
            // not per image per stroke (100 queries at 100 labelled images)
            ImageEntry e = entries.get(id);
            if (e == null) {
                e = store.image(id).orElse(null);
                if (e == null) {
                    continue;
                }
            }
            entriesNow.put(id, e);
            List<Stroke> imageStrokes = strokes.getOrDefault(id, List.of());
            boolean hasMask = withMask.contains(id);
            ImageState st = heldOut.get(id);
            if (st == null || st.revision != revisionOf(id) || st.classesRevision != classesRevision) {
                LabelsAt la = labelsOf(e, imageStrokes, hasMask, vocOf);
                // one block in five of the labels is held out from training for the temperature fit
                // the held-out map is sampled here and then garbage: written into one buffer kept for the next split
                int px = e.width() * e.height();
                if (heldOutBuffer == null || heldOutBuffer.length != px) {
                    heldOutBuffer = new byte[px];
                }
                Calibration.Split sp = Calibration.split(la.labels(), "img-" + id, heldOutBuffer);
                WeakLabelHead.Samples hs = la.labelled() == 0 || sp.heldOutPixels() == 0 ? null : WeakLabelHead.sample(
                        new TrainingImage("held-" + id, revisionOf(id), featuresOf(e), sp.heldOut(), 1.0), quota, id); // only what is kept is read
                st = new ImageState(la.revision(), la.classesRevision(), la.labelled(), hs);
                if (keptPixels == 0 || keptPixels + px <= TRAIN_LABELS_KEPT_PIXELS) {
                    st.trainLabels = sp.train();
                    keptPixels += px;
                }
                heldOut.put(id, st);
            }
            if (st.labelled == 0) {
                continue;
            }
            if (st.heldOut != null) {
                st.heldOut = WeakLabelHead.limitPerClass(st.heldOut, quota); // when more images have lowered the quota since
                calibration.add(st.heldOut);
            }
            // the maps are fetched only when the head re-samples this image (its labels changed)
            final ImageEntry img = e;
            final ImageState state = st;
            training.add(TrainingImage.lazy("img-" + id, st.revision, st, e.width(), e.height(), () -> featuresOf(img),
                    () -> {
                        LabelMap split = state.trainLabels;
                        state.trainLabels = null;
                        return split != null ? split
                                : Calibration.split(labelsOf(img, imageStrokes, hasMask, vocOf).labels(), "img-" + id).train();
                    }, 1.0));
            if (++n % 32 == 0 || n == labelled.size()) { // an event per image would be 100 per stroke at 100 images
                ctx.progress(n, labelled.size(), "labels of " + e.stem());
            }
        }
        entries = entriesNow; // only the labelled images': a removed image's entry goes with its labels
        List<TrainingImage> tagPseudo = pseudoMasks(tags, labelled, vocOf, ctx);
        training.addAll(tagPseudo);
        training.addAll(zeroShotMasks(labelled, tagPseudo, ctx));
        ctx.checkCancelled();
        if (training.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        boolean warm = head.current() != null;
        LinearHead h;
        try {
            h = head.train(training, FIRST_STEPS, FIRST_EVALUATIONS, ctx::checkCancelled);
        } finally {
            for (ImageState s : heldOut.values()) {
                s.trainLabels = null; // a full-resolution map each: only until the head has sampled them
            }
        }
        long t1 = System.nanoTime();
        if (h == null) {
            return;
        }
        ctx.checkCancelled();
        trained = Calibration.withTemperature(h, temperature); // the last fitted T until this head's own
        trainedRevision = revision;
        WeakLabelHead.Stats st = head.lastStats();

        long current = currentImage.getAsLong();
        Optional<ImageEntry> cur = current >= 0 ? store.image(current) : Optional.empty();
        if (cur.isPresent()) {
            // the mask first (what the user waits for), then the confidence and uncertainty maps
            predictAndPublish(h, cur.get(), revision, ctx, false);
        }
        lastTimings = new Timings(queued, t0 - start, st.sampleNanos(), st.optimiseNanos(), System.nanoTime() - t1, st.samples(),
                st.optimiser() == null ? 0 : st.optimiser().evaluations());
        // the rest of the budget, unless the optimiser converged or already took it all (a new class gets it at once)
        int done = st.optimiser() == null ? 0 : st.optimiser().iterations();
        int rest = head.config().maxSteps() - done;
        if (warm && st.optimiser() != null && st.optimiser().limited() && rest > 0) {
            // on the same samples, then the current image again with the refined head
            h = head.train(training, rest, ctx::checkCancelled);
            ctx.checkCancelled();
            trained = Calibration.withTemperature(h, temperature);
            if (cur.isPresent()) {
                predictAndPublish(h, cur.get(), revision, ctx, false);
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        double agreement = head.sampleAccuracy(h, 1.0);
        // the mask is out: now the temperature of this head on the held-out pixels (about a millisecond), used by the
        // confidence maps, the mean uncertainty and the neighbours from here on (the argmax does not change)
        temperature = Calibration.fitTemperature(h, calibration);
        final LinearHead refined = Calibration.withTemperature(h, temperature);
        trained = refined;
        publish.accept(new EngineEvent.HeadTrained(revision, backbone.key(), st.samples(), st.classes(), agreement, ms));
        if (cur.isPresent() && perPixelMaps) {
            // the per-pixel maps on another lane, so the next stroke's training never waits for them
            ImageEntry e = cur.get();
            jobs.submit(Lane.FEATURES, MAPS_KEY, "Confidence maps", c -> predictAndPublish(refined, e, revision, c, true));
        }
        // then the neighbours of the current image, so flipping through shows a mask at once: a job of its own, which
        // the next stroke cancels at once instead of waiting behind it
        if (cur.isPresent()) {
            long curId = cur.get().id();
            jobs.submit(Lane.INTERACTIVE, NEIGHBOURS_KEY, "Predicting neighbours", c -> {
                for (ImageEntry next : store.neighbours(curId)) { // next, then previous
                    c.checkCancelled();
                    predictAndPublish(refined, next, revision, c, false);
                }
            });
        }
    }

    private long revisionOf(long imageId) {
        return imageRevision.getOrDefault(imageId, 0L);
    }

    /**
     * The image's label map: cached per revision; when the only change is strokes appended after the cached ones
     * (the common case: the user drew one more), only those are painted over a copy of the cached map.
     */
    private LabelsAt labelsOf(ImageEntry e, List<Stroke> strokes, boolean hasMask, Map<Long, Integer> vocOf) {
        long rev = revisionOf(e.id());
        LabelsAt cached = labels.get(e.id());
        if (cached != null && cached.revision() == rev && cached.classesRevision() == classesRevision) {
            return cached;
        }
        List<Long> ids = strokes.stream().map(Stroke::id).toList();
        LabelMap lm;
        if (cached != null && cached.classesRevision() == classesRevision && cached.hadMask() == hasMask && !hasMask
                && ids.size() > cached.strokeIds().size() && ids.subList(0, cached.strokeIds().size()).equals(cached.strokeIds())) {
            List<Stroke> added = strokes.subList(cached.strokeIds().size(), strokes.size());
            lm = LabelRasterizer.rasterize(cached.labels(), added, id -> vocOf.getOrDefault(id, LabelMap.VOID), false).labels();
        } else {
            LabelMap base = LabelMap.unlabelled(e.width(), e.height());
            if (hasMask) {
                base = store.mask(e.id()).map(MaskRecord::labels).orElse(base);
            }
            lm = LabelRasterizer.rasterize(base, strokes, id -> vocOf.getOrDefault(id, LabelMap.VOID), false).labels();
        }
        LabelsAt at = new LabelsAt(rev, classesRevision, lm, ids, lm.labelledCount(), hasMask);
        labels.put(e.id(), at);
        return at;
    }

    /** Tag pseudo-masks (CAM) for tagged images without human labels, recomputed only when the tags change. */
    private List<TrainingImage> pseudoMasks(List<Tag> tags, Set<Long> labelled, Map<Long, Integer> vocOf, JobContext ctx) {
        Map<Long, LabelMap> masks = tagMasks.masks(tags, vocOf, labelled, backbone.key() + "|" + classesRevision, store::image,
                this::featuresOf, ctx::checkCancelled);
        List<TrainingImage> list = new ArrayList<>();
        for (Map.Entry<Long, LabelMap> en : masks.entrySet()) {
            store.image(en.getKey()).ifPresent(e -> list.add(new TrainingImage("tag-" + e.id(), tagMasks.revision(),
                    featuresOf(e), en.getValue(), WeakLabelHead.PSEUDO_WEIGHT)));
        }
        return list;
    }

    /**
     * Zero-shot pre-labels as pseudo-masks with the lower weight, for images with neither human labels nor tag masks:
     * MaskCLIP's (methods.md §A, {@code scribbleseg zeroshot}, run "zeroshot-clip"), ZeroSeg's (§E, run
     * "zeroshot-zeroseg") or both merged, as the project setting {@link PreLabelSource#SETTING} chooses.
     */
    private List<TrainingImage> zeroShotMasks(Set<Long> labelled, List<TrainingImage> tagPseudo, JobContext ctx) {
        Set<String> tagged = new HashSet<>();
        for (TrainingImage t : tagPseudo) {
            tagged.add(t.id());
        }
        PreLabelSource source = PreLabelSource.of(store);
        long rev = zeroShotGeneration.get() * PreLabelSource.values().length + source.ordinal();
        Set<Long> ids = new java.util.TreeSet<>();
        for (String run : source.runIds()) {
            ids.addAll(store.imagesWithPrediction(run));
        }
        List<TrainingImage> out = new ArrayList<>();
        for (long id : ids) {
            if (labelled.contains(id) || tagged.contains("tag-" + id)) {
                continue;
            }
            ctx.checkCancelled();
            LabelsAt cached = zeroShot.get(id);
            if (cached == null || cached.revision() != rev) {
                Optional<LabelMap> lm = source.labels(store, id);
                if (lm.isEmpty()) {
                    continue;
                }
                cached = new LabelsAt(rev, classesRevision, lm.get(), List.of(), lm.get().labelledCount(), false);
                zeroShot.put(id, cached);
            }
            if (cached.labelled() > 0) {
                Optional<ImageEntry> e = store.image(id);
                if (e.isPresent()) {
                    out.add(new TrainingImage("zs-" + id, rev, featuresOf(e.get()), cached.labels(), WeakLabelHead.PSEUDO_WEIGHT));
                }
            }
        }
        return out;
    }

    /** The zero-shot pre-labels in the store were rewritten: the next training reads them again. */
    void zeroShotChanged() {
        zeroShotGeneration.incrementAndGet();
    }

    /** Leaves these images out of training from the next run on (replacing the previous set). */
    void setExcluded(Set<Long> ids) {
        excluded = Set.copyOf(ids);
    }

    Set<Long> excluded() {
        return excluded;
    }

    /** The image's features: memory, else the disk cache, else the backbone (then cached on disk). */
    FeatureMap featuresOf(ImageEntry e) {
        synchronized (features) {
            FeatureMap f = features.get(e.id());
            if (f != null) {
                return f;
            }
        }
        FeatureMap f;
        synchronized (backbone) {
            // another lane may have computed it while this one waited for the backbone
            synchronized (features) {
                FeatureMap done = features.get(e.id());
                if (done != null) {
                    return done;
                }
            }
            f = cache.getOrCompute(backbone.key(), e.sha256(), () -> backbone.features(loader.apply(e)));
        }
        synchronized (features) {
            features.put(e.id(), f);
            long total = 0;
            for (FeatureMap m : features.values()) {
                total += m.data().length;
            }
            var it = features.entrySet().iterator();
            long current = currentImage.getAsLong();
            while (total > MEMORY_BUDGET_FLOATS && features.size() > 1 && it.hasNext()) {
                var oldest = it.next();
                // never the current image's: at 12 MP one map is over the budget, and predicting a neighbour evicted
                // it, so the next stroke read it from the disk cache again (about 100 ms, measured)
                if (oldest.getKey() != e.id() && oldest.getKey() != current) {
                    total -= oldest.getValue().data().length;
                    it.remove();
                }
            }
        }
        publish.accept(new EngineEvent.FeaturesReady(e.id(), backbone.key()));
        return f;
    }

    /**
     * Predicts and publishes one image. {@code withMaps}: also the per-pixel confidence and uncertainty maps
     * (slower); without, the event carries the exact argmax labels and null maps.
     */
    private Prediction predictAndPublish(LinearHead h, ImageEntry e, long revision, JobContext ctx, boolean withMaps) {
        FeatureMap f = featuresOf(e);
        ctx.checkCancelled();
        // an image nobody labelled always gets its confidence map: the overlay hides what the head is unsure of there
        Prediction p = predict(h, e, f, withMaps || e.status() == ImageStatus.UNLABELLED, ctx::checkCancelled);
        publish.accept(new EngineEvent.PredictionsUpdated(e.id(), revision, p.labels(), p.confidence(), p.uncertainty(),
                p.meanUncertainty()));
        return p;
    }

    /** The head's prediction of one image, classes tagged absent on it suppressed. */
    Prediction predict(LinearHead h, ImageEntry e, FeatureMap f, boolean withMaps) {
        return predict(h, e, f, withMaps, () -> { });
    }

    private Prediction predict(LinearHead h, ImageEntry e, FeatureMap f, boolean withMaps, Runnable checkpoint) {
        Set<Integer> absent = store.absentClassValues(e.id());
        return predictor.predict(h, f, e.width(), e.height(), absent, withMaps, checkpoint);
    }
}
