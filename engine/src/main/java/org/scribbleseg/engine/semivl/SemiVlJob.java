package org.scribbleseg.engine.semivl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.heavy.HeavyJob;
import org.scribbleseg.engine.heavy.HeavyJobFactory;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.heavy.WorkerPseudoMasks;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.ClipConfig;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ClipTokenizer;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Parameter;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.nn.optim.PolySchedule;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.train.ProjectLabels;
import org.scribbleseg.engine.train.TagPseudoMasks;

/**
 * {@code semivl}: SemiVL (seed 001) trained on the project in the heavy worker (spec §2, §5, §8, §9).
 *
 * <p><b>Streams.</b> Labelled: every image with an accepted mask and/or scribbles and points (strokes painted over
 * the mask, 255 elsewhere), then images whose only labels are image-level tags, with the live loop's tag
 * pseudo-masks ({@link TagPseudoMasks} on the project's live backbone, 255 where the CAM is unsure), then images whose
 * only labels are zero-shot pre-labels (the project's choice of MaskCLIP's, ZeroSeg's or both, as the live loop reads
 * them; void where those are unsure), both through {@link WorkerPseudoMasks}; the
 * recipe counts each kind ({@code streams}, {@code labelled_by_kind}). Unlabelled: every other image (when there is none,
 * the labelled images also feed the unlabelled stream, and the job says so). <b>Held out:</b> every fifth image
 * with an accepted mask, in id order starting with the first, once there are at least two: it is in neither stream
 * and scores the run ({@code miou} in {@link #evaluate}); the predictor switch compares on it too.
 *
 * <p><b>Recipe.</b> On a GPU: crop 512, batch 2 labelled + 2 unlabelled, MaskCLIP guidance computed live from the
 * frozen copy on each weak view. On the CPU: crop 224, batch 1 + 1, guidance cached once per image at init (the
 * frozen copy's scores on the image resized to the crop's short side, sampled through each view's resize, crop and
 * flip), after which the frozen copy is freed. {@code recipe.json} in the run folder and the checkpoint say which
 * and why. Config overrides: {@code crop}, {@code batch}, {@code guidance} (live/cached), {@code steps} (else the
 * spec's 80 epochs over the unlabelled images, capped by {@code budget_seconds} at a rate measured at init),
 * {@code semivl_gelu}, {@code decoder_channels}, {@code text_variant} (single/conceptavg), {@code lr}, {@code seed},
 * {@code hold_out} (false: no held-out images), {@code random_tower} (a preset with random weights instead of
 * {@code model}: benchmarks and checks only, text rows are then random unit vectors).
 *
 * <p>One iteration is SemiVL's (§5): CutMix of both strong views with a second augmentation of the same image,
 * the model's prediction on the mixing source, MaskCLIP labels (softmax(100·) ≥ 0.9), the backbone once on
 * (x, w) with the decoder on clean features and on channel-dropped features of w (only the unlabelled half is
 * perturbed: the perturbed labelled half is never used by a loss), the strong views, the seven loss terms and
 * AdamW (backbone ×0.01, decoder ×10, wd 0.01) with poly 0.9. Every random draw is from one {@link SeededRandom};
 * the checkpoint holds weights, AdamW state, RNG and cursors, so a resumed run continues the uninterrupted one bit for
 * bit (one libtorch thread). Runs used to differ in the last bits between processes and now and then went NaN: the
 * scalar factors of the losses and of the attention scale were DJL Number operands whose memory was freed before the
 * backward pass read it (see {@link Ops#scalar}). Steps with non-finite gradients are still skipped and counted.
 */
public final class SemiVlJob implements HeavyJob {
    public static final String METHOD = "semivl";
    public static final int EPOCHS = 80;
    static final ObjectMapper JSON = new ObjectMapper();

    /** The factory the worker finds through {@link java.util.ServiceLoader}. */
    public static final class Factory implements HeavyJobFactory {
        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String description() {
            return "SemiVL: CLIP ViT with a language-guided decoder, semi-supervised on all images (needs a CLIP model: --model)";
        }

        @Override
        public HeavyJob create() {
            return new SemiVlJob();
        }

        @Override
        public java.util.Optional<org.scribbleseg.engine.predict.Predictor> predictor(org.scribbleseg.engine.project.RunRecord run,
                Checkpoint checkpoint, java.util.function.Function<ImageEntry, RgbImage> images) {
            return java.util.Optional.of(new SemiVlPredictor(run, checkpoint, images));
        }
    }

    /** One image of a stream: pixels (0..1, channel-major, at most 2·crop on the short side) and class-index labels. */
    record Item(long imageId, Augment.View view, float[][] guidance, int gw, int gh) {
    }

    private NDManager manager;
    private SemiVlModel model;
    private SemiVlModel frozen;
    private AdamW opt;
    private SeededRandom rng;
    private NDArray text;
    private NDArray concepts;
    private int[] conceptClass;
    private float[][] textRows;
    private float[][] conceptRows;
    private int[] classValues;
    private final List<Item> labelled = new ArrayList<>();
    private final List<Item> unlabelled = new ArrayList<>();
    private final List<Item> heldOut = new ArrayList<>();
    private final List<LabelMap> heldOutMasks = new ArrayList<>();
    private int[] orderL;
    private int[] orderU;
    private int position;
    private long epoch;
    private long total;
    private int crop;
    private int batch;
    private boolean liveGuidance;
    private ObjectNode recipe;
    private long dataRevision;
    private Path runDir;
    private boolean holdOut = true;
    private long skippedSteps;

    @Override
    public void init(HeavyContext ctx) throws Exception {
        boolean gpu = ctx.device().isGpu();
        crop = ctx.intOr("crop", gpu ? 512 : 224);
        batch = ctx.intOr("batch", gpu ? 2 : 1);
        String g = ctx.config().path("guidance").asText(gpu ? "live" : "cached");
        liveGuidance = g.equals("live");
        if (crop % 16 != 0 || crop < 64) {
            throw new IllegalArgumentException("crop must be a multiple of 16 and at least 64, got " + crop);
        }
        rng = new SeededRandom(ctx.seed());
        runDir = ctx.runDir();
        manager = NDManager.newBaseManager(ctx.device());
        recipe = JSON.createObjectNode();
        recipe.put("device", ctx.device().toString());
        recipe.put("recipe", gpu ? "gpu" : "cpu");
        recipe.put("why", gpu ? "the worker has a GPU: SemiVL's recipe (crop 512, batch 2 + 2, live MaskCLIP guidance)"
                : "no GPU in the worker: reduced CPU recipe (crop 224, batch 1 + 1, MaskCLIP guidance cached once per image)");
        recipe.put("crop", crop);
        recipe.put("batch", batch);
        recipe.put("guidance", liveGuidance ? "live" : "cached");
        boolean semivlGelu = ctx.config().path("semivl_gelu").asBoolean(false);
        recipe.put("tower_variant", semivlGelu ? "exact GELU, LayerNorm eps 1e-6 (SemiVL's port)" : "QuickGELU, LayerNorm eps 1e-5 (CLIP)");
        int d = ctx.intOr("decoder_channels", 128);
        ClassText.Variant variant = "conceptavg".equals(ctx.config().path("text_variant").asText("single"))
                ? ClassText.Variant.CONCEPT_AVG : ClassText.Variant.SINGLE;

        holdOut = ctx.config().path("hold_out").asBoolean(true);
        List<ClassDef> classes;
        try (ProjectStore store = ProjectStore.open(ctx.project())) {
            classes = store.classes();
            dataRevision = store.revision();
            loadStreams(store);
        }
        classValues = classes.stream().mapToInt(ClassDef::vocIndex).toArray();

        // the network, the text rows, the frozen guidance copy
        String modelDir = ctx.config().path("model").asText("");
        String randomTower = ctx.config().path("random_tower").asText("");
        ClassText.Embeddings te;
        if (!randomTower.isEmpty()) {
            ClipConfig cfg = SemiVlModel.variant(randomConfig(randomTower), semivlGelu);
            model = SemiVlModel.random(cfg, crop, d, ctx.seed() + 1, manager);
            frozen = SemiVlModel.random(cfg, crop, 8, ctx.seed() + 1, manager);
            te = randomText(classes, cfg.projectionDim(), ctx.seed() + 2);
            recipe.put("weights", "random tower " + randomTower + " (quality means nothing)");
        } else {
            if (modelDir.isEmpty()) {
                throw new IllegalArgumentException("semivl needs a CLIP model folder: config 'model' (train --model)");
            }
            Path dir = Path.of(modelDir);
            model = SemiVlModel.load(dir, semivlGelu, crop, d, ctx.seed() + 1, manager);
            frozen = SemiVlModel.load(dir, semivlGelu, crop, 8, ctx.seed() + 1, manager);
            te = textEmbeddings(dir, classes, variant, ctx.project());
            recipe.put("weights", dir.toString());
        }
        frozen.params().freeze(n -> true);
        textRows = te.classes();
        conceptRows = te.concepts();
        conceptClass = te.conceptClass();
        text = manager.create(flat(textRows), new Shape(textRows.length, textRows[0].length));
        concepts = manager.create(flat(conceptRows), new Shape(conceptRows.length, conceptRows[0].length));
        if (!liveGuidance) {
            for (List<Item> list : List.of(unlabelled)) {
                for (int i = 0; i < list.size(); i++) {
                    list.set(i, withGuidance(list.get(i)));
                }
            }
            frozen.close();
            frozen = null;
        }

        // steps: explicit, or 80 epochs over the unlabelled stream capped by the time budget
        long epochsSteps = (long) EPOCHS * Math.max(1, unlabelled.size() / batch);
        if (ctx.config().has("steps")) {
            total = ctx.config().get("steps").asLong();
            recipe.put("steps_from", "set by the user");
        } else {
            double budget = ctx.doubleOr("budget_seconds", 3600);
            double perStep = measureStepSeconds();
            long byBudget = Math.max(1, (long) (budget / perStep));
            total = Math.min(epochsSteps, byBudget);
            recipe.put("steps_from", String.format(Locale.ROOT, "min(80 epochs = %d, budget %.0f s / %.2f s per step (estimated) = %d)",
                    epochsSteps, budget, perStep, byBudget));
        }
        recipe.put("steps", total);
        recipe.put("labelled_images", labelled.size());
        recipe.put("unlabelled_images", unlabelled.size());
        recipe.put("held_out_images", heldOut.size());
        double lr = ctx.doubleOr("lr", 1e-4);
        opt = AdamW.builder(model.params()).lr(lr).weightDecay(0.01)
                .rule("backbone", n -> n.startsWith("backbone."), 0.01, 1.0)
                .rule("head", n -> n.contains("head"), 10.0, 1.0)
                .schedule(PolySchedule.poly(total)).build();
        orderL = labelOrder();
        orderU = rng.permutation(unlabelled.size());
        position = 0;
        epoch = 0;
        if (runDir != null) {
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve("recipe.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(recipe));
        }
    }

    /** What the job chose and why (device, crop, batch, guidance, steps, streams). */
    public ObjectNode recipe() {
        return recipe;
    }

    static ClipConfig randomConfig(String name) {
        return switch (name) {
            case "tiny" -> new ClipConfig(new ClipConfig.Tower(64, 3, 4, 1e-5f, org.scribbleseg.engine.nn.Ops.Act.QUICK_GELU, 17, 256, 0),
                    new ClipConfig.Tower(64, 3, 4, 1e-5f, org.scribbleseg.engine.nn.Ops.Act.QUICK_GELU, 77, 256, 49408), 16, 64, 32);
            default -> ClipConfig.preset(name);
        };
    }

    private static ClassText.Embeddings randomText(List<ClassDef> classes, int dim, long seed) {
        SeededRandom r = new SeededRandom(seed);
        float[][] rows = new float[classes.size()][dim];
        int[] cc = new int[classes.size()];
        for (int k = 0; k < rows.length; k++) {
            for (int j = 0; j < dim; j++) {
                rows[k][j] = (float) r.nextGaussian();
            }
            rows[k] = ClassText.normalize(rows[k]);
            cc[k] = k;
        }
        return new ClassText.Embeddings(rows, rows, cc, List.of(), List.of());
    }

    private static ClassText.Embeddings textEmbeddings(Path dir, List<ClassDef> classes, ClassText.Variant variant, Path project)
            throws IOException {
        String key = dir.toAbsolutePath().normalize() + "@" + Files.size(dir.resolve("model.safetensors")) + "@"
                + Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        Path cacheFile;
        try (ProjectStore s = ProjectStore.open(project)) {
            cacheFile = s.cacheDir().resolve("semivl-text.json");
        }
        ClassText.Cache cache = new ClassText.Cache(cacheFile, key);
        ClipModel[] tower = new ClipModel[1];
        ClipTokenizer tok = ClipTokenizer.fromDirectory(dir);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            return ClassText.compute(classes, variant, ps -> cache.get(ps, missing -> {
                if (tower[0] == null) {
                    tower[0] = ClipModel.load(dir, m, true);
                }
                return ClassText.encode(tower[0], tok, missing);
            }));
        } finally {
            if (tower[0] != null) {
                tower[0].close();
            }
        }
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    // ---------------------------------------------------------------- data

    private void loadStreams(ProjectStore store) {
        List<ClassDef> classes = store.classes();
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i).vocIndex(), i);
        }
        Map<Long, Integer> vocOf = ProjectLabels.vocOf(classes);
        List<Long> accepted = new ArrayList<>();
        for (long id : store.imagesWithMask()) {
            if (store.mask(id).map(m -> MaskRecord.ACCEPTED.equals(m.source())).orElse(false)) {
                accepted.add(id);
            }
        }
        accepted.sort(Long::compare);
        Set<Long> held = new HashSet<>();
        if (holdOut && accepted.size() >= 2) {
            for (int i = 0; i < accepted.size(); i += 5) {
                held.add(accepted.get(i));
            }
        }
        Map<Long, List<Stroke>> strokes = store.allStrokes();
        Set<Long> withMask = new HashSet<>(store.imagesWithMask());
        Set<Long> human = new HashSet<>(strokes.keySet());
        human.addAll(withMask);
        Map<Long, WorkerPseudoMasks.Mask> pseudo = WorkerPseudoMasks.of(store, vocOf, human, recipe::put);
        int[] kinds = new int[4]; // labelled images by kind: mask, strokes only, tag pseudo-mask, zero-shot pre-labels
        for (ImageEntry e : store.images()) {
            RgbImage img;
            try {
                img = ImageLoader.load(store.resolve(e));
            } catch (IOException ex) {
                continue; // unreadable images are left out of training, as the live loop does
            }
            float[] rgb = Augment.toFloat(img);
            int[] labels = new int[img.width() * img.height()];
            java.util.Arrays.fill(labels, Augment.IGNORE);
            if (held.contains(e.id())) {
                LabelMap mask = store.mask(e.id()).orElseThrow().labels();
                heldOut.add(new Item(e.id(), shrink(new Augment.View(img.width(), img.height(), rgb, labels)), null, 0, 0));
                heldOutMasks.add(mask);
                continue;
            }
            List<Stroke> s = strokes.getOrDefault(e.id(), List.of());
            LabelMap lm = null;
            int kind;
            if (!s.isEmpty() || withMask.contains(e.id())) {
                LabelMap base = withMask.contains(e.id()) ? store.mask(e.id()).map(MaskRecord::labels)
                        .orElse(LabelMap.unlabelled(e.width(), e.height())) : LabelMap.unlabelled(e.width(), e.height());
                lm = LabelRasterizer.rasterize(base, s, id -> vocOf.getOrDefault(id, LabelMap.VOID), false).labels();
                kind = withMask.contains(e.id()) ? 0 : 1;
            } else {
                // the live loop's tag pseudo-mask (255 where the CAM is unsure), else its zero-shot pre-labels
                WorkerPseudoMasks.Mask pm = pseudo.get(e.id());
                lm = pm == null ? null : pm.labels();
                kind = pm != null && pm.kind() == WorkerPseudoMasks.Kind.TAGS ? 2 : 3;
            }
            if (lm != null && lm.labelledCount() > 0 && lm.width() == img.width() && lm.height() == img.height()) {
                kinds[kind]++;
                byte[] d = lm.data();
                for (int i = 0; i < labels.length; i++) {
                    Integer k = index.get(d[i] & 0xff);
                    labels[i] = k == null ? Augment.IGNORE : k;
                }
                labelled.add(new Item(e.id(), shrink(new Augment.View(img.width(), img.height(), rgb, labels)), null, 0, 0));
            } else {
                unlabelled.add(new Item(e.id(), shrink(new Augment.View(img.width(), img.height(), rgb, new int[labels.length])), null, 0, 0));
            }
        }
        if (labelled.isEmpty()) {
            throw new ProjectException("nothing is labelled yet: draw scribbles, tick tags or accept masks first (SemiVL needs labelled images)");
        }
        ObjectNode k = recipe.putObject("labelled_by_kind");
        k.put("mask", kinds[0]);
        k.put("strokes", kinds[1]);
        k.put("tags", kinds[2]);
        k.put("zero_shot", kinds[3]);
        recipe.put("streams", String.format(Locale.ROOT,
                "labelled %d = %d with a mask (strokes painted over it), %d with scribbles or points only, %d tag pseudo-masks, "
                        + "%d zero-shot pre-labels (255 elsewhere); unlabelled %d; held out %d",
                labelled.size(), kinds[0], kinds[1], kinds[2], kinds[3], unlabelled.size(), heldOut.size()));
        if (unlabelled.isEmpty()) {
            for (Item it : labelled) {
                int[] zeros = new int[it.view().mask().length];
                unlabelled.add(new Item(it.imageId(), new Augment.View(it.view().w(), it.view().h(), it.view().rgb(), zeros), null, 0, 0));
            }
            recipeNote("every image is labelled: the labelled images also form the unlabelled stream");
        }
    }

    private void recipeNote(String s) {
        if (recipe != null) {
            recipe.put("note", s);
        }
    }

    /** Images larger than needed (short side above 2·crop, the largest training scale) are downsized once. */
    private Augment.View shrink(Augment.View v) {
        int s = Math.min(v.w(), v.h());
        if (s <= 2 * crop) {
            return v;
        }
        double f = 2.0 * crop / s;
        return Augment.resize(v, Math.max(1, (int) Math.round(v.w() * f)), Math.max(1, (int) Math.round(v.h() * f)));
    }

    /** The labelled list repeated and truncated to the unlabelled list's length (semi.py), then shuffled. */
    private int[] labelOrder() {
        int u = unlabelled.size();
        int[] rep = new int[Math.max(u, 1)];
        for (int i = 0; i < rep.length; i++) {
            rep[i] = i % labelled.size();
        }
        int[] p = rng.permutation(rep.length);
        int[] out = new int[rep.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = rep[p[i]];
        }
        return out;
    }

    // ---------------------------------------------------------------- guidance

    /** Base size for guidance and inference: short side = crop, both sides multiples of 16. */
    private int[] baseSize(int w, int h) {
        double f = (double) crop / Math.min(w, h);
        return new int[] {Math.max(16, (int) Math.round(w * f / 16) * 16), Math.max(16, (int) Math.round(h * f / 16) * 16)};
    }

    private Item withGuidance(Item it) {
        int[] bs = baseSize(it.view().w(), it.view().h());
        float[] rgb = Augment.resizeRgb(it.view().rgb(), it.view().w(), it.view().h(), bs[0], bs[1]);
        try (NDManager sub = manager.newSubManager()) {
            NDArray px = sub.create(Augment.normalize(rgb, bs[0] * bs[1]), new Shape(1, 3, bs[1], bs[0]));
            float[][] scores = classScores(noGrad(() -> frozen.dense(px)), 0);
            return new Item(it.imageId(), it.view(), scores, bs[0] / 16, bs[1] / 16);
        }
    }

    /** Per-class max over concepts of cosine(F, concept) on the grid for image {@code b} of dense [B, D, h, w]. */
    private float[][] classScores(NDArray dense, int b) {
        Shape s = dense.getShape();
        long dim = s.get(1);
        long hw = s.get(2) * s.get(3);
        NDArray f = dense.get(b).reshape(dim, hw);
        NDArray fn = f.div(Ops.maximum(f.square().sum(new int[] {0}, true).sqrt(), 1e-12f));
        NDArray ct = concepts.toDevice(dense.getDevice(), true);
        ct.attach(dense.getManager());
        NDArray cos = fn.transpose(1, 0).matMul(ct.transpose(1, 0)); // [hw, M]
        float[] c = cos.toFloatArray();
        int m = conceptRows.length;
        float[][] per = new float[m][(int) hw];
        for (int p = 0; p < hw; p++) {
            for (int j = 0; j < m; j++) {
                per[j][p] = c[p * m + j];
            }
        }
        return Losses.conceptMax(per, conceptClass, classValues.length);
    }

    // ---------------------------------------------------------------- views

    /** A weak unlabelled crop with its geometry (for sampling cached guidance). */
    private record Weak(Augment.View view, int[] padded, int resizedW, int resizedH, int[] box) {
    }

    private Weak weak(Item it) {
        Augment.View r = Augment.randomResize(it.view(), crop, rng);
        int[] box = new int[3];
        Augment.View c = Augment.cropFlip(r, crop, Augment.PAD_UNLABELLED, rng, box);
        int[] padded = new int[crop * crop];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = c.mask()[i] == Augment.PAD_UNLABELLED ? 1 : 0;
        }
        return new Weak(c, padded, r.w(), r.h(), box);
    }

    private int[] cachedGuidance(Item it, Weak w) {
        int gw = it.gw();
        int gh = it.gh();
        int nw = w.resizedW();
        int nh = w.resizedH();
        int x0 = w.box()[0];
        int y0 = w.box()[1];
        boolean flip = w.box()[2] == 1;
        return Losses.maskClipLabels(it.guidance(), gh, gw, crop, crop, (x, y, g) -> {
            int sx = x0 + (flip ? crop - 1 - x : x);
            int sy = y0 + y;
            g[0] = (sx + 0.5) * gw / nw - 0.5;
            g[1] = (sy + 0.5) * gh / nh - 0.5;
        }, w.padded());
    }

    // ---------------------------------------------------------------- step

    @Override
    public long totalSteps() {
        return total;
    }

    private interface Body<T> {
        T get();
    }

    private static <T> T noGrad(Body<T> b) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return b.get();
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    private NDArray pixels(NDManager m, List<float[]> imgs) {
        int n = crop * crop;
        float[] all = new float[imgs.size() * 3 * n];
        for (int i = 0; i < imgs.size(); i++) {
            System.arraycopy(Augment.normalize(imgs.get(i), n), 0, all, i * 3 * n, 3 * n);
        }
        return m.create(all, new Shape(imgs.size(), 3, crop, crop));
    }

    /** Per-loss values of the last step (for the curves of the bench). */
    private final Map<String, Double> lastTerms = new LinkedHashMap<>();

    public Map<String, Double> lastTerms() {
        return lastTerms;
    }

    @Override
    public double step(long step) {
        return step(step, true);
    }

    /** One iteration; {@code semi} false trains on the labelled term alone (the bench's supervised baseline). */
    public double step(long step, boolean semi) {
        int n = crop * crop;
        List<float[]> xs = new ArrayList<>();
        List<int[]> xMasks = new ArrayList<>();
        List<Weak> ws = new ArrayList<>();
        List<Weak> mixes = new ArrayList<>();
        List<Item> us = new ArrayList<>();
        List<float[]> s1 = new ArrayList<>();
        List<float[]> s2 = new ArrayList<>();
        List<byte[]> box1 = new ArrayList<>();
        List<byte[]> box2 = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            if (position >= orderU.length) {
                orderL = labelOrder();
                orderU = rng.permutation(unlabelled.size());
                position = 0;
                epoch++;
            }
            Item l = labelled.get(orderL[position]);
            Item u = unlabelled.get(orderU[position]);
            position++;
            Augment.View lv = Augment.cropFlip(Augment.randomResize(l.view(), crop, rng), crop, Augment.IGNORE, rng, null);
            xs.add(lv.rgb());
            xMasks.add(lv.mask());
            Weak w = weak(u);
            Weak mix = weak(u); // UniMatch: the mixing source is the same image with an independent augmentation
            float[] a1 = Augment.strong(w.view().rgb(), crop, crop, rng);
            float[] a2 = Augment.strong(w.view().rgb(), crop, crop, rng);
            byte[] b1 = Augment.cutmixBox(crop, rng);
            byte[] b2 = Augment.cutmixBox(crop, rng);
            float[] m1 = Augment.strong(mix.view().rgb(), crop, crop, rng);
            float[] m2 = Augment.strong(mix.view().rgb(), crop, crop, rng);
            s1.add(Augment.paste(a1, m1, b1));
            s2.add(Augment.paste(a2, m2, b2));
            box1.add(b1);
            box2.add(b2);
            ws.add(w);
            mixes.add(mix);
            us.add(u);
        }
        double lossValue;
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = pixels(sub, xs);
            int[] xm = new int[batch * n];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(xMasks.get(i), 0, xm, i * n, n);
            }
            NDArray xTarget = sub.create(xm, new Shape(batch, crop, crop));
            NDArray w = pixels(sub, ws.stream().map(v -> v.view().rgb()).toList());
            NDArray wMix = pixels(sub, mixes.stream().map(v -> v.view().rgb()).toList());
            // under no_grad: the prediction on the mixing source and the MaskCLIP labels of w and w_mix
            Losses.Pseudo pm = semi ? noGrad(() -> Losses.pseudo(model.decode(model.features(wMix), text, crop, crop, crop))) : null;
            int[][] mcW = new int[batch][];
            int[][] mcMix = new int[batch][];
            if (semi) {
                for (int i = 0; i < batch; i++) {
                    if (liveGuidance) {
                        NDArray both = NDArrays.concat(new NDList(w.get(i + ":" + (i + 1)), wMix.get(i + ":" + (i + 1))), 0);
                        NDArray dense = noGrad(() -> frozen.dense(both));
                        int gh = (int) dense.getShape().get(2);
                        int gw = (int) dense.getShape().get(3);
                        mcW[i] = Losses.maskClipLabels(classScores(dense, 0), gh, gw, crop, crop, Losses.GridSampler.direct(gw, gh, crop, crop), ws.get(i).padded());
                        mcMix[i] = Losses.maskClipLabels(classScores(dense, 1), gh, gw, crop, crop, Losses.GridSampler.direct(gw, gh, crop, crop), mixes.get(i).padded());
                    } else {
                        mcW[i] = cachedGuidance(us.get(i), ws.get(i));
                        mcMix[i] = cachedGuidance(us.get(i), mixes.get(i));
                    }
                }
            }
            try (GradTape tape = model.params().record()) {
                NDArray loss;
                if (!semi) {
                    NDArray predX = model.decode(model.features(x), text, crop, crop, crop);
                    loss = Losses.supervised(predX, xTarget);
                    lastTerms.clear();
                    lastTerms.put("lx", (double) loss.getFloat());
                } else {
                    SemiVlModel.Features f = model.features(NDArrays.concat(new NDList(x, w), 0));
                    NDArray clean = model.decode(f, text, crop, crop, crop);
                    NDArray predX = clean.get("0:" + batch);
                    NDArray predW = clean.get(batch + ":" + (2 * batch));
                    NDArray predFp = model.decode(f.slice(batch, 2 * batch).dropChannels(rng, 0.5f), text, crop, crop, crop);
                    NDArray strong = model.decode(model.features(pixels(sub, concat(s1, s2))), text, crop, crop, crop);
                    NDArray predS1 = strong.get("0:" + batch);
                    NDArray predS2 = strong.get(batch + ":" + (2 * batch));
                    Losses.Pseudo pw = Losses.pseudo(predW);
                    Losses.Targets[] tw = new Losses.Targets[batch];
                    Losses.Targets[] t1 = new Losses.Targets[batch];
                    Losses.Targets[] t2 = new Losses.Targets[batch];
                    for (int i = 0; i < batch; i++) {
                        Losses.Targets own = new Losses.Targets(java.util.Arrays.copyOfRange(pw.label(), i * n, (i + 1) * n),
                                java.util.Arrays.copyOfRange(pw.conf(), i * n, (i + 1) * n), ws.get(i).padded(), mcW[i]);
                        Losses.Targets other = new Losses.Targets(java.util.Arrays.copyOfRange(pm.label(), i * n, (i + 1) * n),
                                java.util.Arrays.copyOfRange(pm.conf(), i * n, (i + 1) * n), mixes.get(i).padded(), mcMix[i]);
                        tw[i] = own;
                        t1[i] = own.mix(other, box1.get(i));
                        t2[i] = own.mix(other, box2.get(i));
                    }
                    NDArray[] aw = Losses.stack(sub, tw, crop, crop);
                    NDArray[] a1 = Losses.stack(sub, t1, crop, crop);
                    NDArray[] a2 = Losses.stack(sub, t2, crop, crop);
                    NDArray lx = Losses.supervised(predX, xTarget);
                    NDArray ls1 = Losses.confidenceWeighted(predS1, a1[0], a1[1], a1[2], Losses.CONF_THRESH);
                    NDArray ls2 = Losses.confidenceWeighted(predS2, a2[0], a2[1], a2[2], Losses.CONF_THRESH);
                    NDArray lfp = Losses.confidenceWeighted(predFp, aw[0], aw[1], aw[2], Losses.CONF_THRESH);
                    NDArray mc1 = Losses.maskClipMeanAll(predS1, a1[3]);
                    NDArray mc2 = Losses.maskClipMeanAll(predS2, a2[3]);
                    NDArray mcFp = Losses.maskClipMeanAll(predFp, aw[3]);
                    double lambda = Losses.lambda(step, total);
                    loss = Losses.total(lx, ls1, ls2, lfp, mc1, mc2, mcFp, lambda);
                    lastTerms.clear();
                    lastTerms.put("lx", (double) lx.getFloat());
                    lastTerms.put("ls1", (double) ls1.getFloat());
                    lastTerms.put("ls2", (double) ls2.getFloat());
                    lastTerms.put("lfp", (double) lfp.getFloat());
                    lastTerms.put("lmc_s1", (double) mc1.getFloat());
                    lastTerms.put("lmc_s2", (double) mc2.getFloat());
                    lastTerms.put("lmc_fp", (double) mcFp.getFloat());
                    lastTerms.put("lambda", lambda);
                }
                tape.backward(loss);
                lossValue = loss.getFloat();
                Map<String, NDArray> grads = tape.gradients();
                List<String> bad = new ArrayList<>();
                for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                    float sum = e.getValue().abs().sum().getFloat();
                    if (!Float.isFinite(sum)) {
                        bad.add(e.getKey());
                    }
                }
                if (bad.isEmpty() && Double.isFinite(lossValue)) {
                    opt.step(grads);
                } else {
                    // as a loss scaler does: a step whose loss or gradients are not finite is skipped (and counted)
                    skippedSteps++;
                    System.err.printf("semivl: step %d skipped: loss %s, non-finite gradients of %d parameters %s%n", step, lossValue,
                            bad.size(), bad.subList(0, Math.min(5, bad.size())));
                }
                lastTerms.put("skipped_steps", (double) skippedSteps);
            }
        }
        return lossValue;
    }

    /**
     * Lx on the labelled images without augmentation (each resized to the crop's short side, its top-left crop ×
     * crop window): a deterministic measure of how well the model fits its labels.
     */
    public double labelledLoss() {
        double sum = 0;
        for (Item it : labelled) {
            int[] bs = baseSize(it.view().w(), it.view().h());
            Augment.View v = Augment.resize(it.view(), bs[0], bs[1]);
            float[] rgb = new float[3 * crop * crop];
            int[] mask = new int[crop * crop];
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    boolean in = x < v.w() && y < v.h();
                    for (int c = 0; c < 3; c++) {
                        rgb[c * crop * crop + y * crop + x] = in ? v.rgb()[c * v.w() * v.h() + y * v.w() + x] : 0;
                    }
                    mask[y * crop + x] = in ? v.mask()[y * v.w() + x] : Augment.IGNORE;
                }
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray px = pixels(sub, List.of(rgb));
                NDArray t = sub.create(mask, new Shape(1, crop, crop));
                sum += noGrad(() -> Losses.supervised(model.decode(model.features(px), text, crop, crop, crop), t).getFloat());
            }
        }
        return sum / labelled.size();
    }

    private static List<float[]> concat(List<float[]> a, List<float[]> b) {
        List<float[]> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Seconds per step, estimated from one no-grad forward of a batch (a step is about 9 such forwards). */
    private double measureStepSeconds() {
        try (NDManager sub = manager.newSubManager()) {
            List<float[]> imgs = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                imgs.add(new float[3 * crop * crop]);
            }
            NDArray x = pixels(sub, imgs);
            noGrad(() -> model.decode(model.features(x), text, crop, crop, crop).sum().getFloat());
            long t0 = System.nanoTime();
            noGrad(() -> model.decode(model.features(x), text, crop, crop, crop).sum().getFloat());
            return Math.max(1e-3, 9 * (System.nanoTime() - t0) / 1e9);
        }
    }

    // ---------------------------------------------------------------- inference (§6)

    /**
     * Sliding-window logits of an image (0..1 channel-major, w × h), spec §6: resized so its short side is the crop
     * (sides rounded to multiples of 16), windows of crop × crop at stride round(crop·426/512), raw logits summed and
     * divided by the overlap count; returns [N][H'·W'] with the resized size in {@code size}.
     */
    float[][] slidingLogits(float[] rgb, int w, int h, int[] size) {
        int[] bs = baseSize(w, h);
        int bw = bs[0];
        int bh = bs[1];
        float[] img = Augment.resizeRgb(rgb, w, h, bw, bh);
        int stride = Math.max(16, Math.round(crop * 426f / 512f));
        int k = textRows.length;
        float[][] sum = new float[k][bw * bh];
        int[] count = new int[bw * bh];
        int ny = Math.max(bh - crop + stride - 1, 0) / stride + 1;
        int nx = Math.max(bw - crop + stride - 1, 0) / stride + 1;
        for (int iy = 0; iy < ny; iy++) {
            for (int ix = 0; ix < nx; ix++) {
                int y1 = Math.min(iy * stride + crop, bh);
                int x1 = Math.min(ix * stride + crop, bw);
                int y0 = Math.max(y1 - crop, 0);
                int x0 = Math.max(x1 - crop, 0);
                int ww = x1 - x0;
                int wh = y1 - y0;
                float[] win = new float[3 * ww * wh];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < wh; y++) {
                        System.arraycopy(img, c * bw * bh + (y0 + y) * bw + x0, win, c * ww * wh + y * ww, ww);
                    }
                }
                float[] out;
                try (NDManager sub = manager.newSubManager()) {
                    NDArray px = sub.create(Augment.normalize(win, ww * wh), new Shape(1, 3, wh, ww));
                    out = noGrad(() -> model.decode(model.features(px), text, crop, wh, ww).toFloatArray());
                }
                for (int c = 0; c < k; c++) {
                    for (int y = 0; y < wh; y++) {
                        for (int x = 0; x < ww; x++) {
                            sum[c][(y0 + y) * bw + x0 + x] += out[c * ww * wh + y * ww + x];
                        }
                    }
                }
                for (int y = 0; y < wh; y++) {
                    for (int x = 0; x < ww; x++) {
                        count[(y0 + y) * bw + x0 + x]++;
                    }
                }
            }
        }
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < count.length; i++) {
                sum[c][i] /= Math.max(1, count[i]);
            }
        }
        size[0] = bw;
        size[1] = bh;
        return sum;
    }

    /** Class index and max softmax probability per pixel at w × h (logits resized with align_corners=true). */
    public record Dense(int[] labels, float[] confidence) {
    }

    public Dense predict(float[] rgb, int w, int h) {
        int[] size = new int[2];
        float[][] lg = slidingLogits(rgb, w, h, size);
        int bw = size[0];
        int bh = size[1];
        int k = lg.length;
        int[] labels = new int[w * h];
        float[] conf = new float[w * h];
        float[] v = new float[k];
        for (int y = 0; y < h; y++) {
            double sy = h > 1 ? y * (double) (bh - 1) / (h - 1) : 0;
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, bh - 1);
            float fy = (float) (sy - y0);
            for (int x = 0; x < w; x++) {
                double sx = w > 1 ? x * (double) (bw - 1) / (w - 1) : 0;
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, bw - 1);
                float fx = (float) (sx - x0);
                int best = 0;
                for (int c = 0; c < k; c++) {
                    float[] a = lg[c];
                    float top = a[y0 * bw + x0] * (1 - fx) + a[y0 * bw + x1] * fx;
                    float bot = a[y1 * bw + x0] * (1 - fx) + a[y1 * bw + x1] * fx;
                    v[c] = top * (1 - fy) + bot * fy;
                    if (v[c] > v[best]) {
                        best = c;
                    }
                }
                double z = 0;
                for (int c = 0; c < k; c++) {
                    z += Math.exp(v[c] - v[best]);
                }
                labels[y * w + x] = best;
                conf[y * w + x] = (float) (1 / z);
            }
        }
        return new Dense(labels, conf);
    }

    /** The mask of an image as label values (VOC indices). */
    public LabelMap predictMask(RgbImage img) {
        Dense d = predict(Augment.toFloat(img), img.width(), img.height());
        byte[] out = new byte[d.labels().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) classValues[d.labels()[i]];
        }
        return new LabelMap(img.width(), img.height(), out);
    }

    int[] classValues() {
        return classValues.clone();
    }

    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("held_out_images", (double) heldOut.size());
        out.put("skipped_steps", (double) skippedSteps);
        if (heldOut.isEmpty()) {
            return out;
        }
        Metrics mt = new Metrics(LabelMap.VOID);
        for (int i = 0; i < heldOut.size(); i++) {
            Augment.View v = heldOut.get(i).view();
            LabelMap truth = heldOutMasks.get(i);
            Dense d = predict(v.rgb(), v.w(), v.h());
            // the held-out view may have been downsized: compare at the mask's size (nearest)
            byte[] pred = new byte[truth.width() * truth.height()];
            for (int y = 0; y < truth.height(); y++) {
                int sy = (int) ((long) y * v.h() / truth.height());
                for (int x = 0; x < truth.width(); x++) {
                    int sx = (int) ((long) x * v.w() / truth.width());
                    pred[y * truth.width() + x] = (byte) classValues[d.labels()[sy * v.w() + sx]];
                }
            }
            mt.add(truth, new LabelMap(truth.width(), truth.height(), pred));
        }
        out.put("miou", mt.meanIoU());
        out.put("pixel_accuracy", mt.pixelAccuracy());
        return out;
    }

    /** The labels of a labelled-stream image as the job trains on them (class indices, 255 = ignored), if it is there. */
    java.util.Optional<int[]> labelledMask(long imageId) {
        return labelled.stream().filter(it -> it.imageId() == imageId).findFirst().map(it -> it.view().mask().clone());
    }

    /** Ids of the unlabelled-stream images. */
    List<Long> unlabelledIds() {
        return unlabelled.stream().map(Item::imageId).toList();
    }

    /** Ids of the held-out images (the predictor switch may score the run on them). */
    public List<Long> heldOutIds() {
        return heldOut.stream().map(Item::imageId).toList();
    }

    /**
     * The model of a checkpoint for inference only (on the CPU): the tower from the run's CLIP folder (or its random
     * tower), the trainable weights and the text rows from the checkpoint. Close it.
     */
    public static SemiVlJob forInference(Checkpoint ck) {
        ObjectNode st = ck.state();
        if (!METHOD.equals(st.path("method").asText())) {
            throw new IllegalStateException("checkpoint " + ck.dir() + " is not a " + METHOD + " checkpoint");
        }
        var cfg = st.path("config");
        var rec = st.path("recipe");
        SemiVlJob j = new SemiVlJob();
        j.manager = NDManager.newBaseManager(Device.cpu());
        try {
            j.crop = rec.path("crop").asInt(224);
            j.batch = 1;
            j.classValues = ints(st.path("class_values"));
            boolean gelu = cfg.path("semivl_gelu").asBoolean(false);
            int d = cfg.path("decoder_channels").asInt(128);
            String random = cfg.path("random_tower").asText("");
            j.model = random.isEmpty() ? SemiVlModel.load(Path.of(cfg.path("model").asText()), gelu, j.crop, d, 0, j.manager)
                    : SemiVlModel.random(SemiVlModel.variant(randomConfig(random), gelu), j.crop, d, cfg.path("seed").asLong(0) + 1, j.manager);
            loadWeights(j.model, ck);
            Checkpoint.Tensor t = ck.tensor("text.classes");
            int n = (int) t.shape()[0];
            int dim = (int) t.shape()[1];
            j.textRows = new float[n][dim];
            for (int i = 0; i < n; i++) {
                System.arraycopy(t.data(), i * dim, j.textRows[i], 0, dim);
            }
            j.text = j.manager.create(t.data(), new Shape(n, dim));
            return j;
        } catch (RuntimeException e) {
            j.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- checkpoint

    @Override
    public void save(Checkpoint.Writer w) throws IOException {
        for (Map.Entry<String, Parameter> e : model.params().trainable().entrySet()) {
            w.tensor("param." + e.getKey(), e.getValue().shape(), e.getValue().data().toFloatArray());
        }
        w.tensor("text.classes", new long[] {textRows.length, textRows[0].length}, flat(textRows));
        Path tmp = Files.createTempFile("semivl-opt", ".safetensors");
        try {
            opt.saveState(tmp);
            ObjectNode steps = w.state().putObject("opt_steps");
            try (org.scribbleseg.engine.nn.Safetensors st = org.scribbleseg.engine.nn.Safetensors.open(tmp)) {
                for (String n : st.names()) {
                    if (n.startsWith("step.")) {
                        steps.put(n, st.longs(n)[0]);
                    } else {
                        w.tensor("opt." + n, st.info(n).shape(), st.floats(n));
                    }
                }
                w.state().put("opt_steps_done", st.metadata().getOrDefault("steps_done", "0"));
                w.state().put("opt_hyper", st.metadata().get("hyper"));
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        ObjectNode st = w.state();
        st.put("method", METHOD);
        st.put("rng", rng.state());
        st.put("epoch", epoch);
        st.put("position", position);
        st.put("total", total);
        st.put("skipped_steps", skippedSteps);
        put(st.putArray("order_l"), orderL);
        put(st.putArray("order_u"), orderU);
        put(st.putArray("class_values"), classValues);
        ArrayNode h = st.putArray("held_out");
        heldOutIds().forEach(h::add);
        st.put("data_revision", dataRevision);
        st.set("recipe", recipe);
    }

    private static void put(ArrayNode a, int[] v) {
        for (int i : v) {
            a.add(i);
        }
    }

    private static int[] ints(com.fasterxml.jackson.databind.JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Override
    public void restore(Checkpoint in) throws IOException {
        ObjectNode st = in.state();
        if (!METHOD.equals(st.path("method").asText())) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of method '" + st.path("method").asText() + "', not " + METHOD);
        }
        int[] cv = ints(st.path("class_values"));
        if (!java.util.Arrays.equals(cv, classValues)) {
            throw new IllegalStateException("the project's classes changed since the run started: start a new run");
        }
        loadWeights(model, in);
        total = st.path("total").asLong();
        // the optimizer is rebuilt for the stored total, then its state is read back
        rebuildOptimizer(st.path("config").path("lr").asDouble(1e-4));
        Path tmp = Files.createTempFile("semivl-opt", ".safetensors");
        try {
            org.scribbleseg.engine.nn.SafetensorsWriter sw = new org.scribbleseg.engine.nn.SafetensorsWriter()
                    .metadata("optimizer", "AdamW").metadata("steps_done", st.path("opt_steps_done").asText("0"))
                    .metadata("hyper", st.path("opt_hyper").asText());
            in.tensors().forEach((n, t) -> {
                if (n.startsWith("opt.")) {
                    sw.put(n.substring(4), t.shape(), t.data());
                }
            });
            st.path("opt_steps").fields().forEachRemaining(e -> sw.put(e.getKey(), new long[] {1}, new long[] {e.getValue().asLong()}));
            sw.write(tmp);
            opt.loadState(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        rng.restore(st.path("rng").asLong());
        epoch = st.path("epoch").asLong();
        position = st.path("position").asInt();
        skippedSteps = st.path("skipped_steps").asLong();
        orderL = ints(st.path("order_l"));
        orderU = ints(st.path("order_u"));
        if (orderU.length != unlabelled.size()) {
            throw new IllegalStateException("the run started on " + orderU.length + " unlabelled images, the project now has "
                    + unlabelled.size() + ": start a new run (a resumed run must see the same data)");
        }
    }

    void rebuildOptimizer(double lr) {
        opt.close();
        opt = AdamW.builder(model.params()).lr(lr).weightDecay(0.01)
                .rule("backbone", n -> n.startsWith("backbone."), 0.01, 1.0)
                .rule("head", n -> n.contains("head"), 10.0, 1.0)
                .schedule(PolySchedule.poly(total)).build();
    }

    AdamW optimizer() {
        return opt;
    }

    /** Overwrites the trainable parameters of {@code m} with the checkpoint's. */
    static void loadWeights(SemiVlModel m, Checkpoint in) {
        for (Map.Entry<String, Parameter> e : m.params().trainable().entrySet()) {
            Checkpoint.Tensor t = in.tensor("param." + e.getKey());
            if (t.data().length != e.getValue().size()) {
                throw new IllegalStateException("checkpoint tensor " + e.getKey() + " has " + t.data().length + " values, the model "
                        + e.getValue().size());
            }
            e.getValue().data().set(t.data());
        }
    }

    @Override
    public void close() {
        if (opt != null) {
            opt.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
