package org.scribbleseg.engine.heavy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.DdepTrainer;
import org.scribbleseg.engine.train.ProjectLabels;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * {@code ddep} (seed 003, methods.md §D) in the worker: a {@link DdepTrainer} over the project's backbone (its
 * setting, or {@code backbone} in the config: classic, an installed DINOv2, a project ViT) — denoising pretraining
 * on every image of the project, then fine-tuning on every label the project has: scribbles, points and accepted
 * masks at weight 1, and for the images without those, their tag pseudo-masks or zero-shot pre-labels at the live
 * loop's lower weight ({@link WorkerPseudoMasks}; counted by kind in the checkpoint state, {@code labelled_by_kind}).
 * Steps {@code 0 .. pretrain_steps-1} denoise, the rest fine-tune ({@code finetune_steps}, default 300; none
 * when the project has no labels or fewer than two classes). The steps may instead come from {@code budget_s}: the
 * time per step is measured at {@link #init} on a forward pass (×3 for the backward and update), about 70 % of the
 * steps denoise and 30 % fine-tune (an explicit {@code finetune_steps} or {@code pretrain_steps} wins), and the
 * counts are saved in the checkpoint.
 *
 * <p>Fine-tuning follows the live head by default ({@code head_init}: {@code follow}): a live head is trained here on
 * the same labels and backbone ({@link WeakLabelHead}, as the live loop trains it) and the decoder's logits are that
 * head's plus the decoder's learnt correction ({@link DdepTrainer#startFineTune(int[], org.scribbleseg.engine.train.LinearHead)}),
 * so it starts at the live head's quality; {@code none}: a class head from scratch (plain DDeP).
 *
 * <p>Checkpoint: the decoder and the AdamW (no decay) state as files, so a resumed run continues exactly; the
 * backbone key is checked on restore. {@link #evaluate}: the denoising MSE of fixed crops while pretraining, then
 * the mIoU against the training labels (not held out) on up to four labelled images. A finished run is a predictor
 * ("sharp decoder") through {@link RunPredictor}.
 */
public final class DdepJob implements HeavyJob {
    public static final String METHOD = "ddep";
    /** Share of a {@code budget_s} run's steps that denoise; the rest fine-tune. */
    static final double PRETRAIN_SHARE = 0.7;
    private static final int EVAL_IMAGES = 4;

    /** The factory the worker finds through {@link java.util.ServiceLoader}. */
    public static final class Factory extends SimpleFactory {
        public Factory() {
            super(METHOD, "DDeP: a sharp U-Net decoder over the backbone, denoising-pretrained on the images, then fine-tuned on the labels", DdepJob::new);
        }
    }

    private HeavyContext ctx;
    private Backbone backbone;
    private DdepTrainer.Config config;
    private DdepTrainer trainer;
    private List<RgbImage> images;
    private List<DdepTrainer.Labelled> labelled;
    private int[] classValues;
    private long pretrainSteps;
    private long fineTuneSteps;
    private boolean followHead;
    private final Map<String, Integer> labelledByKind = new LinkedHashMap<>();

    @Override
    public void init(HeavyContext ctx) throws Exception {
        this.ctx = ctx;
        images = new ArrayList<>();
        try (ProjectStore store = ProjectStore.open(ctx.project())) {
            String setting = ctx.config().has("backbone") ? ctx.config().get("backbone").asText()
                    : store.setting("backbone").orElse("classic");
            backbone = WorkerBackbones.forSetting(setting, store.modelsDir());
            Map<Long, RgbImage> byId = new HashMap<>(); // each image read once, for denoising and for its labels
            for (ImageEntry e : store.images()) {
                RgbImage img = ImageLoader.load(store.resolve(e));
                images.add(img);
                byId.put(e.id(), img);
            }
            labelled = new ArrayList<>(ProjectLabels.labelled(store, e -> byId.get(e.id())));
            classValues = ProjectLabels.classValues(store);
            addPseudoMasks(store, byId);
        }
        if (images.isEmpty()) {
            throw new ProjectException("ddep: the project has no images to learn from");
        }
        config = DdepTrainer.Config.defaults().withSeed(ctx.seed());
        trainer = new DdepTrainer(backbone, config);
        trainer.fitFeatureStats(images);
        String init = ctx.config().has("head_init") ? ctx.config().get("head_init").asText() : "follow";
        if (!init.equals("follow") && !init.equals("none")) {
            throw new IllegalArgumentException("ddep: head_init must be follow or none, not '" + init + "'");
        }
        followHead = init.equals("follow");
        boolean canFineTune = !labelled.isEmpty() && classValues.length >= 2;
        fineTuneSteps = canFineTune ? ctx.intOr("finetune_steps", 300) : 0;
        if (ctx.config().has("pretrain_steps")) {
            pretrainSteps = ctx.config().get("pretrain_steps").asLong();
        } else if (ctx.config().has("budget_s")) {
            long t0 = System.nanoTime();
            trainer.denoisingLoss(images.subList(0, Math.min(2, images.size())), ctx.seed());
            double perStep = 3 * (System.nanoTime() - t0) / 1e9 / Math.min(2, images.size());
            long all = Math.max(1, (long) (ctx.doubleOr("budget_s", 0) / perStep));
            boolean split = canFineTune && !ctx.config().has("finetune_steps");
            pretrainSteps = split ? Math.max(1, Math.round(all * PRETRAIN_SHARE)) : all;
            if (split) {
                fineTuneSteps = Math.max(1, all - pretrainSteps);
            }
        } else {
            pretrainSteps = 1000;
        }
    }

    /**
     * The tag pseudo-masks and zero-shot pre-labels of the images without human labels, after the human ones, each
     * pixel at {@link WeakLabelHead#PSEUDO_WEIGHT}.
     */
    private void addPseudoMasks(ProjectStore store, Map<Long, RgbImage> byId) {
        Map<Long, Integer> vocOf = ProjectLabels.vocOf(store.classes());
        Set<Long> human = new HashSet<>(store.allStrokes().keySet());
        human.addAll(store.imagesWithMask());
        labelledByKind.put("human", labelled.size());
        labelledByKind.put("tags", 0);
        labelledByKind.put("zero_shot", 0);
        for (WorkerPseudoMasks.Mask m : WorkerPseudoMasks.of(store, vocOf, human, (k, v) -> { }).values()) {
            float[] w = new float[m.labels().width() * m.labels().height()];
            Arrays.fill(w, (float) WeakLabelHead.PSEUDO_WEIGHT);
            String kind = m.kind() == WorkerPseudoMasks.Kind.TAGS ? "tags" : "zero_shot";
            labelled.add(new DdepTrainer.Labelled((m.kind() == WorkerPseudoMasks.Kind.TAGS ? "tag-" : "zs-") + m.imageId(),
                    byId.get(m.imageId()), m.labels(), w));
            labelledByKind.merge(kind, 1, Integer::sum);
        }
    }

    /** What the run fine-tunes on: human labels, then pseudo-masks (with their per-pixel weights); for tests. */
    List<DdepTrainer.Labelled> labelled() {
        return List.copyOf(labelled);
    }

    /** The live head the decoder follows: trained on the run's labels over its backbone, as the live loop trains it. */
    private org.scribbleseg.engine.train.LinearHead liveHead() {
        List<TrainingImage> set = new ArrayList<>();
        for (DdepTrainer.Labelled l : labelled) {
            // pseudo-masks carry PSEUDO_WEIGHT on every pixel; human labels none (weight 1)
            double weight = l.weights() == null ? 1.0 : WeakLabelHead.PSEUDO_WEIGHT;
            set.add(new TrainingImage(l.id(), 1, backbone.features(l.image()), l.labels(), weight));
        }
        return new WeakLabelHead(WeakLabelHead.Config.defaults()).train(set);
    }

    @Override
    public long totalSteps() {
        return pretrainSteps + fineTuneSteps;
    }

    @Override
    public double step(long step) {
        if (step < pretrainSteps) {
            return trainer.pretrainStep(images);
        }
        if (trainer.classValues() == null) {
            trainer.startFineTune(classValues, followHead ? liveHead() : null);
        }
        return trainer.fineTuneStep(labelled);
    }

    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (trainer.classValues() == null) {
            out.put("denoising_mse", trainer.denoisingLoss(images.subList(0, Math.min(8, images.size())), ctx.seed() + 1));
            return out;
        }
        int k = 0;
        for (int v : classValues) {
            k = Math.max(k, v + 1);
        }
        Metrics m = new Metrics(k);
        for (int i = 0; i < Math.min(EVAL_IMAGES, labelled.size()); i++) {
            DdepTrainer.Labelled l = labelled.get(i);
            LabelMap pred = new org.scribbleseg.engine.predict.DecoderPredictor(trainer).predict(l.image(), backbone.features(l.image())).labels();
            m.add(l.labels(), pred);
        }
        out.put("train_miou", m.meanIoU());
        return out;
    }

    @Override
    public void save(Checkpoint.Writer w) throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ddep-ck");
        try {
            trainer.save(dir.resolve(DdepTrainer.CHECKPOINT_DECODER));
            trainer.saveOptimizer(dir.resolve(DdepTrainer.CHECKPOINT_OPTIMIZER));
            for (String f : List.of(DdepTrainer.CHECKPOINT_DECODER, DdepTrainer.CHECKPOINT_OPTIMIZER)) {
                w.file(f, java.nio.file.Files.readAllBytes(dir.resolve(f)));
            }
        } finally {
            org.scribbleseg.engine.util.FileTrees.delete(dir);
        }
        var st = w.state();
        st.put("method", METHOD);
        st.put("backbone", backbone.key());
        st.put("pretrain_steps", pretrainSteps);
        st.put("finetune_steps", fineTuneSteps);
        st.put("head_init", followHead ? "follow" : "none");
        st.put("images", images.size());
        st.put("labelled", labelled.size());
        var kinds = st.putObject("labelled_by_kind");
        labelledByKind.forEach(kinds::put);
    }

    @Override
    public void restore(Checkpoint in) {
        var st = in.state();
        if (!METHOD.equals(st.path("method").asText())) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of method '" + st.path("method").asText() + "', not " + METHOD);
        }
        if (st.path("images").asInt() != images.size() || st.path("labelled").asInt() != labelled.size()) {
            throw new IllegalStateException("the run started on " + st.path("images").asInt() + " images ("
                    + st.path("labelled").asInt() + " labelled), the project now has " + images.size() + " (" + labelled.size()
                    + "): start a new run (a resumed run must see the same data)");
        }
        trainer.close();
        trainer = DdepTrainer.restore(backbone, config, in.file(DdepTrainer.CHECKPOINT_DECODER),
                in.file(DdepTrainer.CHECKPOINT_OPTIMIZER));
        pretrainSteps = st.path("pretrain_steps").asLong();
        fineTuneSteps = st.path("finetune_steps").asLong();
    }

    @Override
    public void close() {
        if (trainer != null) {
            trainer.close();
        }
        if (backbone != null) {
            backbone.close();
        }
    }
}
