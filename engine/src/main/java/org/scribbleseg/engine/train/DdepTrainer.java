package org.scribbleseg.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.DdepDecoder;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.util.TaskMonitor;

/**
 * Trains a {@link DdepDecoder} over a frozen backbone (seed 003, methods.md §D), one step at a time, so that a
 * driver (the CLI, {@code bench effort}, a heavy-worker job) owns the loop, the budget and the progress reports.
 *
 * <ol>
 *   <li><b>Denoising pretraining</b> ({@link #pretrainStep}) on unlabelled images: a random crop (and flip) x in
 *       [−1, 1], x̃ = x + σ ε, the frozen backbone's features <em>of x̃</em>, the decoder predicts ε; loss
 *       = mean (f(x̃) − ε)²; Adam (lr 1e-4, no weight decay).</li>
 *   <li><b>Fine-tuning</b> ({@link #startFineTune}, {@link #fineTuneStep}): the final projection is replaced by a
 *       K-class 1×1 head, and the whole decoder is trained with the live head's masked cross-entropy on crops of
 *       the labelled images (scribbles, points, accepted masks at weight 1, pseudo-masks at their lower weight;
 *       {@link LabelMap#VOID} pixels do not count). Crops are centred on a random labelled pixel. By default the
 *       drivers make the decoder follow the live head ({@link #startFineTune(int[], LinearHead)}): its logits are the
 *       head's plus the decoder's correction, so it starts at the head's quality; without a head, the class head
 *       learns from scratch (plain DDeP).</li>
 * </ol>
 * The backbone runs on each crop (so on the noisy crop when pretraining); prediction ({@link #predict}) runs the
 * decoder once over the whole image with the image's (cached) features.
 *
 * <p>Determinism: every random draw comes from one {@link SplittableRandom} seeded by the config, so a run with a
 * fixed seed and thread count repeats. The optimizer is {@link AdamW} without weight decay (Adam), the class head
 * at {@code headLrMult} (a skip path that follows the live head is not trained); {@link #save(Path)} with {@link #saveOptimizer} keep the weights, step
 * counters and the optimizer's moments, so a run continued with {@link #restore} goes on exactly ({@link #resume}
 * from the decoder file alone restarts the moments).
 * Not thread-safe; DJL allows one gradient collector per JVM, so one trainer trains at a time per process.
 */
public final class DdepTrainer implements AutoCloseable {

    /**
     * @param sigma           noise level σ (DDeP 0.1)
     * @param lr              pretraining Adam learning rate (1e-4)
     * @param crop            pretraining crop side, pixels (images smaller than that are used whole)
     * @param fineTuneLr      fine-tuning Adam learning rate of the decoder
     * @param headLrMult      learning-rate multiplier of the new class head while fine-tuning
     * @param fineTuneCrop    fine-tuning crop side, pixels
     * @param classBalanced   weight each class's labelled pixels to the same total in a fine-tuning crop
     * @param seed            seed of the weights and of every draw
     */
    public record Config(double sigma, double lr, int crop, double fineTuneLr, double headLrMult, int fineTuneCrop,
            boolean classBalanced, long seed) {
        public static Config defaults() {
            return new Config(Denoising.SIGMA, 1e-4, 160, 1e-3, 1.0, 160, true, 3);
        }

        public Config withSeed(long s) {
            return new Config(sigma, lr, crop, fineTuneLr, headLrMult, fineTuneCrop, classBalanced, s);
        }

        public Config withCrops(int pre, int fine) {
            return new Config(sigma, lr, pre, fineTuneLr, headLrMult, fine, classBalanced, seed);
        }

        public Config withFineTuneLr(double l) {
            return new Config(sigma, l, crop, l, headLrMult, fineTuneCrop, classBalanced, seed);
        }
    }

    /**
     * One labelled image for fine-tuning: its labels at image resolution (class label values, VOID = none) and a
     * per-pixel weight (null = 1 everywhere; pseudo-mask pixels carry {@link WeakLabelHead#PSEUDO_WEIGHT}).
     */
    public record Labelled(String id, RgbImage image, LabelMap labels, float[] weights) {
        public Labelled {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(labels, "labels");
            if (labels.width() != image.width() || labels.height() != image.height()) {
                throw new IllegalArgumentException("labels " + labels.width() + "x" + labels.height()
                        + " do not match image " + image.width() + "x" + image.height());
            }
            if (weights != null && weights.length != labels.data().length) {
                throw new IllegalArgumentException("weights must have one value per pixel");
            }
        }
    }

    private final Backbone backbone;
    private final Config config;
    private final NDManager manager;
    private final DdepDecoder decoder;
    private SplittableRandom rng;
    private AdamW optimizer;
    private int[] classValues;
    private long pretrainSteps;
    private long fineTuneSteps;
    private boolean statsSet;

    public DdepTrainer(Backbone backbone, Config config) {
        this(backbone, config, NDManager.newBaseManager(), null);
    }

    private DdepTrainer(Backbone backbone, Config config, NDManager manager, DdepDecoder loaded) {
        this.backbone = backbone;
        this.config = config;
        this.manager = manager;
        this.decoder = loaded != null ? loaded
                : new DdepDecoder(DdepDecoder.Config.defaults(backbone.channels()), config.seed(), manager);
        if (decoder.config().featureChannels() != backbone.channels()) {
            manager.close();
            throw new IllegalArgumentException("the decoder reads " + decoder.config().featureChannels()
                    + " feature channels, the backbone " + backbone.key() + " has " + backbone.channels());
        }
        for (NDArray p : decoder.parameters().values()) {
            p.setRequiresGradient(true);
        }
        this.optimizer = adam(config.lr(), 1.0);
    }

    /**
     * Continues a run saved by {@link #save}: the decoder's weights, feature statistics, head and step counters
     * come from the file, so the next steps draw what an uninterrupted run would have drawn. Adam's moments are not
     * in the file (DJL's Adam keeps them internally) and restart at zero.
     */
    public static DdepTrainer resume(Backbone backbone, Config config, Path file) {
        NDManager m = NDManager.newBaseManager();
        DdepDecoder d;
        try {
            d = DdepDecoder.load(file, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        DdepTrainer t = new DdepTrainer(backbone, config, m, d);
        Map<String, String> meta;
        try (org.scribbleseg.engine.nn.Safetensors st = org.scribbleseg.engine.nn.Safetensors.open(file)) {
            meta = st.metadata();
        }
        if (!backbone.key().equals(meta.get("backbone"))) {
            t.close();
            throw new IllegalArgumentException(file + " was trained on backbone " + meta.get("backbone") + ", not "
                    + backbone.key());
        }
        t.pretrainSteps = Long.parseLong(meta.getOrDefault("pretrain_steps", "0"));
        t.fineTuneSteps = Long.parseLong(meta.getOrDefault("finetune_steps", "0"));
        String cv = meta.get("class_values");
        if (cv != null) {
            t.classValues = java.util.Arrays.stream(cv.replaceAll("[\\[\\] ]", "").split(",")).mapToInt(Integer::parseInt)
                    .toArray();
            t.optimizer = t.adam(config.fineTuneLr(), config.headLrMult());
        }
        t.statsSet = true;
        return t;
    }

    /** File names of the decoder and the optimizer state inside a heavy-run checkpoint. */
    public static final String CHECKPOINT_DECODER = "decoder.safetensors";
    public static final String CHECKPOINT_OPTIMIZER = "optimizer.safetensors";

    /** Writes the optimizer's state (moments, step counts) next to a {@link #save(Path)} for an exact resume. */
    public void saveOptimizer(Path file) throws IOException {
        optimizer.saveState(file);
    }

    /** Continues exactly from {@link #save(Path)} and {@link #saveOptimizer} files. */
    public static DdepTrainer restore(Backbone backbone, Config config, Path decoderFile, Path optimizerFile) {
        DdepTrainer t = resume(backbone, config, decoderFile);
        try {
            t.optimizer.loadState(optimizerFile);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    public Config config() {
        return config;
    }

    public DdepDecoder decoder() {
        return decoder;
    }

    public long pretrainSteps() {
        return pretrainSteps;
    }

    public long fineTuneSteps() {
        return fineTuneSteps;
    }

    /** The class label values of the fine-tuned head (index = output channel), or null before fine-tuning. */
    public int[] classValues() {
        return classValues == null ? null : classValues.clone();
    }

    /**
     * Per-channel mean/std of the backbone features over centre crops (the pretraining crop size) of up to 16
     * images spread evenly over {@code images}; the decoder standardises its input with them. Called once, before
     * training (they are saved with the decoder).
     */
    public void fitFeatureStats(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images for the feature statistics");
        }
        int c = backbone.channels();
        double[] sum = new double[c];
        double[] sq = new double[c];
        long n = 0;
        int take = Math.min(16, images.size());
        for (int t = 0; t < take; t++) {
            FeatureMap f = backbone.features(centreCrop(images.get(t * images.size() / take), config.crop()));
            int plane = f.height() * f.width();
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < plane; i++) {
                    double v = f.data()[ch * plane + i];
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
            n += plane;
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            mean[ch] = (float) m;
            std[ch] = (float) Math.sqrt(Math.max(sq[ch] / n - m * m, 1e-12));
        }
        decoder.setFeatureStats(mean, std);
        statsSet = true;
    }

    /** One denoising step on a random crop of a random image of {@code images}; returns the MSE. */
    public double pretrainStep(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to pretrain on");
        }
        requireStats();
        if (classValues != null) {
            throw new IllegalStateException("the decoder is fine-tuned already; denoising pretraining comes first");
        }
        rng = stepRandom(1, pretrainSteps);
        RgbImage im = images.get(rng.nextInt(images.size()));
        RgbImage crop = randomCrop(im, config.crop(), rng.nextBoolean());
        Denoising.Sample s = Denoising.corrupt(crop, config.sigma(), rng);
        FeatureMap f = backbone.features(Denoising.toImage(s.noisy(), s.width(), s.height()));
        double loss;
        try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = step.create(s.noisy(), new Shape(1, 3, s.height(), s.width()));
            NDArray eps = step.create(s.eps(), new Shape(1, 3, s.height(), s.width()));
            NDArray out = decoder.forward(x, features(step, f));
            NDArray l = out.sub(eps).square().mean();
            gc.backward(l);
            loss = l.getFloat();
        }
        update();
        pretrainSteps++;
        return loss;
    }

    /**
     * Denoising steps until {@code budgetNanos} have passed or {@code maxSteps} are done (whichever first; at least
     * one step) or {@code monitor} is cancelled, reporting every {@code reportEvery} steps: (pre-training steps so far,
     * {@code maxSteps} or 0 when unbounded, "MSE m, s s, r images/s" with the smoothed loss). Returns the steps taken.
     */
    public long pretrainFor(List<RgbImage> images, long budgetNanos, long maxSteps, int reportEvery, TaskMonitor monitor) {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        long t0 = System.nanoTime();
        long n = 0;
        double ema = Double.NaN;
        do {
            double l = pretrainStep(images);
            ema = Double.isNaN(ema) ? l : 0.9 * ema + 0.1 * l;
            n++;
            if (n % reportEvery == 0) {
                double sec = (System.nanoTime() - t0) / 1e9;
                progress.progress(pretrainSteps, maxSteps == Long.MAX_VALUE ? 0 : maxSteps, String.format(
                        "MSE %.4f, %.1f s, %.2f images/s", ema, sec, pretrainSteps / sec));
            }
        } while (n < maxSteps && System.nanoTime() - t0 < budgetNanos && !progress.isCancelled());
        return n;
    }

    /** The denoising MSE on a fixed crop of each image, noise drawn from {@code seed} (an evaluation; no update). */
    public double denoisingLoss(List<RgbImage> images, long seed) {
        requireStats();
        if (classValues != null) {
            throw new IllegalStateException("the decoder predicts classes now, not noise");
        }
        SplittableRandom r = new SplittableRandom(seed);
        double sum = 0;
        for (RgbImage im : images) {
            RgbImage crop = centreCrop(im, config.crop());
            Denoising.Sample s = Denoising.corrupt(crop, config.sigma(), r);
            FeatureMap f = backbone.features(Denoising.toImage(s.noisy(), s.width(), s.height()));
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(s.noisy(), new Shape(1, 3, s.height(), s.width()));
                NDArray eps = step.create(s.eps(), new Shape(1, 3, s.height(), s.width()));
                sum += decoder.forward(x, features(step, f)).sub(eps).square().mean().getFloat();
            }
        }
        return sum / images.size();
    }

    /**
     * Replaces the noise projection by a {@code classValues.length}-class head (output channel j = label value
     * classValues[j]) and starts a fresh optimizer for fine-tuning.
     */
    public void startFineTune(int[] classValues) {
        startFineTune(classValues, null);
    }

    /**
     * {@link #startFineTune(int[])} that follows a live head trained on the same backbone ({@code init}, null: the
     * plain DDeP start, a class head from scratch): a linear skip path from the features to the logits is set to the
     * head's classifier and kept equal to it (it is not trained; {@link #followHead} moves it to a retrained head),
     * and the decoder's new head starts at zero, so the decoder first predicts exactly what the live head predicts
     * and fine-tuning learns only the correction added to the head's logits. Classes the head has not seen get zero
     * weights and a low bias.
     */
    public void startFineTune(int[] classValues, LinearHead init) {
        if (classValues.length < 2) {
            throw new IllegalArgumentException("fine-tuning needs at least two classes");
        }
        requireStats();
        this.classValues = classValues.clone();
        float[][] skip = init == null ? null : skipFrom(init);
        decoder.replaceHead(classValues.length, config.seed() + 17, skip == null ? null : skip[0], skip == null ? null : skip[1]);
        for (NDArray p : decoder.parameters().values()) {
            p.setRequiresGradient(true);
        }
        optimizer = adam(config.fineTuneLr(), config.headLrMult());
    }

    /**
     * Moves the skip path to a retrained live head (same backbone), so the decoder keeps adding its learnt correction
     * to the head the user sees now. Needs a decoder fine-tuned with {@link #startFineTune(int[], LinearHead)}.
     */
    public void followHead(LinearHead head) {
        if (classValues == null || !decoder.hasSkip()) {
            throw new IllegalStateException("the decoder does not follow a live head (startFineTune with a head first)");
        }
        float[][] skip = skipFrom(head);
        decoder.parameters().get("skip.weight").set(skip[0]);
        decoder.parameters().get("skip.bias").set(skip[1]);
    }

    /** Whether the decoder's logits are the live head's plus a learnt correction ({@link #startFineTune(int[], LinearHead)}). */
    public boolean followsHead() {
        return decoder.hasSkip();
    }

    /** The head's classifier as skip weights over the decoder's standardised features: K x C weights and K biases. */
    private float[][] skipFrom(LinearHead init) {
        int c = backbone.channels();
        if (init.channels() != c) {
            throw new IllegalArgumentException("the head reads " + init.channels() + " channels, the backbone has " + c);
        }
        float[] raw = init.rawAffine();
        int kh = init.numClasses();
        float[] mean = decoder.featureMean();
        float[] std = decoder.featureStd();
        float[] sw = new float[classValues.length * c];
        float[] sb = new float[classValues.length];
        for (int j = 0; j < classValues.length; j++) {
            int h = init.indexOf(classValues[j]);
            if (h < 0) {
                sb[j] = -10f;
                continue;
            }
            double b = raw[kh * c + h];
            for (int i = 0; i < c; i++) {
                float w = raw[h * c + i];
                sw[j * c + i] = w * std[i];
                b += (double) w * mean[i];
            }
            sb[j] = (float) b;
        }
        return new float[][] {sw, sb};
    }

    /** One fine-tuning step on a crop around a random labelled pixel of a random labelled image; returns the CE. */
    public double fineTuneStep(List<Labelled> data) {
        if (classValues == null) {
            throw new IllegalStateException("startFineTune first");
        }
        List<Labelled> usable = new ArrayList<>();
        for (Labelled d : data) {
            if (d.labels().labelledCount() > 0) {
                usable.add(d);
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("no labelled pixels to fine-tune on");
        }
        rng = stepRandom(2, fineTuneSteps);
        Labelled d = usable.get(rng.nextInt(usable.size()));
        int w = d.image().width();
        int h = d.image().height();
        int cw = Math.min(config.fineTuneCrop(), w);
        int ch = Math.min(config.fineTuneCrop(), h);
        int[] centre = randomLabelledPixel(d.labels());
        int x0 = clamp(centre[0] - cw / 2 + rng.nextInt(cw / 4 + 1) - cw / 8, 0, w - cw);
        int y0 = clamp(centre[1] - ch / 2 + rng.nextInt(ch / 4 + 1) - ch / 8, 0, h - ch);
        boolean flip = rng.nextBoolean();
        RgbImage crop = crop(d.image(), x0, y0, cw, ch, flip);
        int[] target = new int[cw * ch];
        float[] weight = new float[cw * ch];
        int k = classValues.length;
        int[] index = new int[256];
        java.util.Arrays.fill(index, -1);
        for (int j = 0; j < k; j++) {
            index[classValues[j] & 0xff] = j;
        }
        double[] classWeight = new double[k];
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                int sx = flip ? x0 + cw - 1 - x : x0 + x;
                int v = d.labels().get(sx, y0 + y);
                int j = v == LabelMap.VOID ? -1 : index[v];
                int o = y * cw + x;
                if (j < 0) {
                    target[o] = LabelMap.VOID;
                    continue;
                }
                target[o] = j;
                float wt = d.weights() == null ? 1f : d.weights()[(y0 + y) * w + sx];
                weight[o] = wt;
                classWeight[j] += wt;
            }
        }
        if (config.classBalanced()) {
            int present = 0;
            double total = 0;
            for (double cwt : classWeight) {
                present += cwt > 0 ? 1 : 0;
                total += cwt;
            }
            for (int o = 0; o < target.length; o++) {
                if (target[o] != LabelMap.VOID) {
                    weight[o] *= (float) (total / (present * classWeight[target[o]]));
                }
            }
        }
        FeatureMap f = backbone.features(crop);
        double loss;
        try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = step.create(Denoising.toSigned(crop), new Shape(1, 3, ch, cw));
            NDArray logits = decoder.forward(x, features(step, f));
            NDArray l = maskedCrossEntropy(logits, step.create(target, new Shape(1, ch, cw)),
                    step.create(weight, new Shape(1, ch, cw)));
            gc.backward(l);
            loss = l.getFloat();
        }
        update();
        fineTuneSteps++;
        return loss;
    }

    /**
     * The fine-tuned decoder's class logits for a whole image from its features (e.g. from the feature cache), laid
     * out [class][y][x] at the image's size, for {@link #classValues()}. {@code predict.DecoderPredictor} turns them
     * into a prediction with the live head's post-processing.
     */
    public float[] logits(RgbImage image, FeatureMap features) {
        if (classValues == null) {
            throw new IllegalStateException("the decoder is not fine-tuned");
        }
        int w = image.width();
        int h = image.height();
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(Denoising.toSigned(image), new Shape(1, 3, h, w));
            return decoder.forward(x, features(step, features)).toFloatArray();
        }
    }

    /** Writes the decoder (and the step counters, class values) to a safetensors file. */
    public void save(Path file) throws IOException {
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put("backbone", backbone.key());
        meta.put("pretrain_steps", Long.toString(pretrainSteps));
        meta.put("finetune_steps", Long.toString(fineTuneSteps));
        meta.put("sigma", Double.toString(config.sigma()));
        if (classValues != null) {
            meta.put("class_values", java.util.Arrays.toString(classValues));
        }
        decoder.save(file, meta);
    }

    @Override
    public void close() {
        if (optimizer != null) {
            optimizer.close();
        }
        decoder.close();
        manager.close();
    }

    // ---- internals ----

    private void requireStats() {
        if (!statsSet) {
            throw new IllegalStateException("fitFeatureStats first");
        }
    }

    /** The draws of step {@code step} of a phase depend only on (seed, phase, step): a resumed run draws the same. */
    private SplittableRandom stepRandom(int phase, long step) {
        return new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + phase * 0xBF58476D1CE4E5B9L + step * 0x94D049BB133111EBL);
    }

    /** Adam (AdamW without decay) over the decoder's current parameters; replaces (and frees) the previous one. */
    private AdamW adam(double lr, double headMult) {
        if (optimizer != null) {
            optimizer.close();
        }
        Params p = new Params();
        decoder.parameters().forEach(p::add);
        return AdamW.builder(p).lr(lr).weightDecay(0)
                .rule("head", n -> n.startsWith("head."), headMult, 1.0).build();
    }

    private void update() {
        Map<String, NDArray> grads = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : decoder.parameters().entrySet()) {
            NDArray g = e.getValue().getGradient();
            if (g != null) {
                grads.put(e.getKey(), g);
            }
        }
        // the skip path stays the live head's classifier: only the decoder's correction is trained
        Map<String, NDArray> trained = new java.util.LinkedHashMap<>(grads);
        trained.keySet().removeIf(n -> n.startsWith("skip."));
        optimizer.step(trained);
        for (NDArray g : grads.values()) {
            g.muli(0); // DJL accumulates gradients across backward calls
            g.close();
        }
    }

    private static NDArray features(NDManager m, FeatureMap f) {
        return m.create(f.data(), new Shape(1, f.channels(), f.height(), f.width()));
    }

    /**
     * Softmax cross-entropy over [1, K, H, W] logits, target [1, H, W] (class index or {@link LabelMap#VOID}),
     * per-pixel weights; mean over the non-void pixels. (To be replaced by the shared masked CE of the trainable
     * models once it is on main.)
     */
    static NDArray maskedCrossEntropy(NDArray logits, NDArray target, NDArray weight) {
        NDArray valid = target.neq(LabelMap.VOID);
        NDArray safe = target.mul(valid.toType(DataType.INT32, false)).toType(DataType.INT64, false);
        NDArray logp = logits.logSoftmax(1);
        NDArray picked = logp.gather(safe.expandDims(1), 1).squeeze(1);
        NDArray w = weight.mul(valid.toType(DataType.FLOAT32, false));
        float n = valid.toType(DataType.FLOAT32, false).sum().getFloat();
        NDArray total = picked.mul(w).sum().neg();
        return n == 0 ? Ops.mul(total, 0) : Ops.div(total, n);
    }

    private int[] randomLabelledPixel(LabelMap labels) {
        byte[] d = labels.data();
        long count = labels.labelledCount();
        long pick = (long) (rng.nextDouble() * count);
        for (int i = 0; i < d.length; i++) {
            if ((d[i] & 0xff) != LabelMap.VOID && pick-- == 0) {
                return new int[] {i % labels.width(), i / labels.width()};
            }
        }
        throw new IllegalStateException("no labelled pixel");
    }

    private RgbImage randomCrop(RgbImage im, int side, boolean flip) {
        int cw = Math.min(side, im.width());
        int ch = Math.min(side, im.height());
        int x0 = rng.nextInt(im.width() - cw + 1);
        int y0 = rng.nextInt(im.height() - ch + 1);
        return crop(im, x0, y0, cw, ch, flip);
    }

    private static RgbImage centreCrop(RgbImage im, int side) {
        int cw = Math.min(side, im.width());
        int ch = Math.min(side, im.height());
        return crop(im, (im.width() - cw) / 2, (im.height() - ch) / 2, cw, ch, false);
    }

    static RgbImage crop(RgbImage im, int x0, int y0, int cw, int ch, boolean flip) {
        byte[] src = im.rgb();
        byte[] out = new byte[cw * ch * 3];
        for (int y = 0; y < ch; y++) {
            for (int x = 0; x < cw; x++) {
                int sx = flip ? x0 + cw - 1 - x : x0 + x;
                int s = ((y0 + y) * im.width() + sx) * 3;
                int o = (y * cw + x) * 3;
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
            }
        }
        return new RgbImage(cw, ch, out);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
