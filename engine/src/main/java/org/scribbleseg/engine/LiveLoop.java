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
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StoreListener;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.Tag;
import org.scribbleseg.engine.train.CamPseudoLabeler;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * The live loop of DESIGN §3: every committed change schedules one coalesced head training on the interactive
 * lane (a newer revision cancels the stale job), then the current image is predicted first and its neighbours
 * after. Feature maps come from the disk cache (computed by the backbone when missing) and are kept in memory,
 * identity-stable, so the head re-samples only the images whose labels changed.
 */
final class LiveLoop implements StoreListener {
    private static final String TRAIN_KEY = "train-head";
    private static final String PREDICT_KEY = "predict-current";
    /** In-memory feature maps kept for the loop, in floats (about 1.5 GB). */
    private static final long MEMORY_BUDGET_FLOATS = 400_000_000L;

    private final ProjectStore store;
    private final Backbone backbone;
    private final FeatureCache cache;
    private final JobQueue jobs;
    private final Consumer<EngineEvent> publish;
    private final Function<ImageEntry, RgbImage> loader;
    private final java.util.function.LongSupplier currentImage;

    private final WeakLabelHead head = new WeakLabelHead(WeakLabelHead.Config.defaults());
    private final CamPseudoLabeler cam = new CamPseudoLabeler(CamPseudoLabeler.Config.defaults());
    private final HeadPredictor predictor = new HeadPredictor();
    private final Map<Long, Long> imageRevision = new ConcurrentHashMap<>();
    private volatile long classesRevision;
    // interactive-lane state (one thread)
    private final LinkedHashMap<Long, FeatureMap> features = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Long, LabelsAt> labels = new HashMap<>();
    private Map<Long, LabelMap> pseudo = Map.of();
    private String pseudoKey = "";
    private volatile LinearHead trained;
    private volatile long trainedRevision = -1;
    private volatile boolean enabled = true;

    private record LabelsAt(long revision, long classesRevision, LabelMap labels) {
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
    }

    /** Releases the backbone (native memory of DJL models). Call after the job queue stopped. */
    void close() {
        synchronized (backbone) {
            backbone.close();
        }
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

    boolean isEnabled() {
        return enabled;
    }

    Optional<LinearHead> head() {
        return Optional.ofNullable(trained);
    }

    @Override
    public void annotationsChanged(long imageId, long revision) {
        if (imageId < 0) {
            classesRevision = revision;
        } else {
            imageRevision.put(imageId, revision);
        }
        if (enabled) {
            schedule(revision);
        }
    }

    /** Schedules training for {@code revision}, replacing (cancelling) any stale training job. */
    JobHandle schedule(long revision) {
        return jobs.submit(Lane.INTERACTIVE, TRAIN_KEY, "Training head (revision " + revision + ")",
                ctx -> trainAndPredict(revision, ctx));
    }

    /** Predicts an image with the current head (when the user switches images). */
    JobHandle predictSoon(long imageId) {
        return jobs.submit(Lane.INTERACTIVE, PREDICT_KEY, "Predicting", ctx -> {
            LinearHead h = trained;
            if (h != null) {
                store.image(imageId).ifPresent(e -> predictAndPublish(h, e, trainedRevision, ctx));
            }
        });
    }

    private void trainAndPredict(long revision, JobContext ctx) {
        List<ClassDef> classes = store.classes();
        Map<Long, Integer> vocOf = new HashMap<>();
        for (ClassDef c : classes) {
            vocOf.put(c.id(), c.vocIndex());
        }
        Map<Long, List<Stroke>> strokes = store.allStrokes();
        Set<Long> withMask = new HashSet<>(store.imagesWithMask());
        List<Tag> tags = store.allTags();
        Set<Long> labelled = new java.util.TreeSet<>(strokes.keySet());
        labelled.addAll(withMask);
        ctx.checkCancelled();

        List<TrainingImage> training = new ArrayList<>();
        int n = 0;
        for (long id : labelled) {
            ctx.checkCancelled();
            ImageEntry e = store.image(id).orElse(null);
            if (e == null) {
                continue;
            }
            LabelMap lm = labelsOf(e, strokes.getOrDefault(id, List.of()), withMask.contains(id), vocOf);
            if (lm.labelledCount() == 0) {
                continue;
            }
            training.add(new TrainingImage("img-" + id, revisionOf(id), featuresOf(e), lm, 1.0));
            ctx.progress(++n, labelled.size(), "labels of " + e.stem());
        }
        training.addAll(pseudoMasks(tags, labelled, vocOf, ctx));
        ctx.checkCancelled();
        if (training.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        LinearHead h = head.train(training);
        if (h == null) {
            return;
        }
        ctx.checkCancelled();
        trained = h;
        trainedRevision = revision;
        WeakLabelHead.Stats st = head.lastStats();
        long ms = (System.nanoTime() - t0) / 1_000_000;

        long current = currentImage.getAsLong();
        Optional<ImageEntry> cur = current >= 0 ? store.image(current) : Optional.empty();
        if (cur.isPresent()) {
            predictAndPublish(h, cur.get(), revision, ctx);
        }
        double agreement = agreement(h, training);
        publish.accept(new EngineEvent.HeadTrained(revision, backbone.key(), st.samples(), st.classes(), agreement, ms));
        // then the neighbours of the current image, so flipping through shows a mask at once
        if (cur.isPresent()) {
            List<ImageEntry> all = store.images();
            int idx = indexOf(all, cur.get().id());
            for (int d : new int[] {1, -1}) {
                int j = idx + d;
                if (idx >= 0 && j >= 0 && j < all.size()) {
                    ctx.checkCancelled();
                    predictAndPublish(h, all.get(j), revision, ctx);
                }
            }
        }
    }

    private static int indexOf(List<ImageEntry> all, long id) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id() == id) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Share of the user's labelled pixels (human labels, not pseudo-masks) the head classifies as labelled: what
     * "the head learned my labels" means. Evaluated on up to 2,000 evenly spaced labelled pixels per image.
     */
    static double agreement(LinearHead h, List<TrainingImage> training) {
        int k = h.numClasses();
        int c = h.channels();
        float[] aff = h.rawAffine();
        float[] f = new float[c];
        int[] values = h.classValues();
        long n = 0;
        long ok = 0;
        for (TrainingImage im : training) {
            if (im.weight() < 1.0) {
                continue;
            }
            byte[] lab = im.labels().data();
            int w = im.imageWidth();
            long labelled = im.labels().labelledCount();
            long step = Math.max(1, labelled / 2000);
            long seen = 0;
            for (int i = 0; i < lab.length; i++) {
                int v = lab[i] & 0xff;
                if (v == LabelMap.VOID || seen++ % step != 0) {
                    continue;
                }
                im.features().sample(i % w, i / w, w, im.imageHeight(), f, 0);
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double z = aff[k * c + j];
                    for (int q = 0; q < c; q++) {
                        z += aff[j * c + q] * f[q];
                    }
                    if (z > bestScore) {
                        bestScore = z;
                        best = j;
                    }
                }
                n++;
                ok += values[best] == v ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) ok / n;
    }

    private long revisionOf(long imageId) {
        return imageRevision.getOrDefault(imageId, 0L);
    }

    private LabelMap labelsOf(ImageEntry e, List<Stroke> strokes, boolean hasMask, Map<Long, Integer> vocOf) {
        long rev = revisionOf(e.id());
        LabelsAt cached = labels.get(e.id());
        if (cached != null && cached.revision() == rev && cached.classesRevision() == classesRevision) {
            return cached.labels();
        }
        LabelMap base = LabelMap.unlabelled(e.width(), e.height());
        if (hasMask) {
            base = store.mask(e.id()).map(MaskRecord::labels).orElse(base);
        }
        LabelMap lm = LabelRasterizer.rasterize(base, strokes, id -> vocOf.getOrDefault(id, LabelMap.VOID), false).labels();
        labels.put(e.id(), new LabelsAt(rev, classesRevision, lm));
        return lm;
    }

    /** Tag pseudo-masks (CAM) for tagged images without human labels, recomputed only when the tags change. */
    private List<TrainingImage> pseudoMasks(List<Tag> tags, Set<Long> labelled, Map<Long, Integer> vocOf, JobContext ctx) {
        Map<Long, Set<Integer>> present = new java.util.TreeMap<>();
        for (Tag t : tags) {
            Integer v = vocOf.get(t.classId());
            if (t.present() && v != null && v != 0) {
                present.computeIfAbsent(t.imageId(), k -> new java.util.TreeSet<>()).add(v);
            }
        }
        if (present.isEmpty()) {
            pseudo = Map.of();
            pseudoKey = "";
            return List.of();
        }
        String key = present.toString() + "|" + backbone.key() + "|" + classesRevision;
        if (!key.equals(pseudoKey)) {
            List<CamPseudoLabeler.TaggedImage> tagged = new ArrayList<>();
            for (Map.Entry<Long, Set<Integer>> en : present.entrySet()) {
                ctx.checkCancelled();
                store.image(en.getKey()).ifPresent(e -> tagged.add(new CamPseudoLabeler.TaggedImage(featuresOf(e), en.getValue())));
            }
            cam.train(tagged);
            Map<Long, LabelMap> out = new HashMap<>();
            for (Map.Entry<Long, Set<Integer>> en : present.entrySet()) {
                ctx.checkCancelled();
                Optional<ImageEntry> e = store.image(en.getKey());
                if (e.isPresent() && !labelled.contains(en.getKey())) {
                    out.put(en.getKey(), cam.pseudoMask(featuresOf(e.get()), en.getValue(), e.get().width(), e.get().height()));
                }
            }
            pseudo = out;
            pseudoKey = key;
        }
        List<TrainingImage> list = new ArrayList<>();
        for (Map.Entry<Long, LabelMap> en : pseudo.entrySet()) {
            if (!labelled.contains(en.getKey()) && en.getValue().labelledCount() > 0) {
                store.image(en.getKey()).ifPresent(e -> list.add(new TrainingImage("tag-" + e.id(), pseudoKey.hashCode(),
                        featuresOf(e), en.getValue(), WeakLabelHead.PSEUDO_WEIGHT)));
            }
        }
        return list;
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
            while (total > MEMORY_BUDGET_FLOATS && features.size() > 1 && it.hasNext()) {
                var oldest = it.next();
                if (oldest.getKey() != e.id()) {
                    total -= oldest.getValue().data().length;
                    it.remove();
                }
            }
        }
        publish.accept(new EngineEvent.FeaturesReady(e.id(), backbone.key()));
        return f;
    }

    private Prediction predictAndPublish(LinearHead h, ImageEntry e, long revision, JobContext ctx) {
        FeatureMap f = featuresOf(e);
        ctx.checkCancelled();
        Set<Integer> absent = new HashSet<>();
        Map<Long, Integer> vocOf = new HashMap<>();
        for (ClassDef c : store.classes()) {
            vocOf.put(c.id(), c.vocIndex());
        }
        for (Tag t : store.tags(e.id())) {
            if (!t.present() && vocOf.containsKey(t.classId())) {
                absent.add(vocOf.get(t.classId()));
            }
        }
        Prediction p = predictor.predict(h, f, e.width(), e.height(), absent);
        publish.accept(new EngineEvent.PredictionsUpdated(e.id(), revision, p.labels(), p.confidence(), p.uncertainty(),
                p.meanUncertainty()));
        return p;
    }
}
