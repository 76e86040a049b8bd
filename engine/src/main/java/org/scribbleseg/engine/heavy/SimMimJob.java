package org.scribbleseg.engine.heavy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.scribbleseg.engine.feature.Dinov2Backbone;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.image.Thumbnails;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.WeightSource;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.SimMim;

/**
 * {@code simmim} (seed 002, methods.md §C): a ViT trained from random weights on the project's own images (every
 * image, no labels) with the SimMIM objective, so that it can serve as a backbone ("project ViT") where no
 * downloaded weights exist or their domain does not fit.
 *
 * <p>Per step: {@code batch} augmented views ({@link SimMim#augment}: random resized crop with aspect change, flip,
 * colour jitter, ImageNet normalisation) of {@code size}², a random patch mask (ratio {@code mask_ratio}) whose
 * masked tokens are replaced by the learnable {@code embeddings.mask_token} before the position embedding, the
 * encoder (the {@link Dinov2Model} code: pre-LN blocks with layer scale), a linear decoder from each patch token to
 * the 3·p·p normalised pixels of its patch, and {@link SimMim#maskedL1} (L1 on the masked patches only). AdamW
 * (no decay on biases, norms, tokens, position embedding and layer scale) with §C's step schedule (×0.1 at 50 % and
 * 85 % of the steps).
 *
 * <p>Default shape: width 128, 12 blocks, 8 heads, MLP 512 as §C, but patch 8 at input 128 instead of 16: the
 * features are for dense per-pixel labelling, and 16×16 tokens of 8 px keep the training sequence at 256 tokens
 * (affordable on a CPU) while the backbone, run at {@code feature_resolution} (default 256, long side), gives a
 * feature every 8 px of that resolution — twice as fine as patch 16 at the same cost per token.
 *
 * <p>Config: {@code steps} (or {@code budget_s}: the step count is then guessed from one timed pass at
 * {@link #init} and measured again on the run's own steps 8, 40 and 160 while before the first learning-rate drop;
 * saved in the checkpoint), {@code size}, {@code patch}, {@code width}, {@code depth}, {@code heads},
 * {@code mlp}, {@code batch} (8), {@code mask_ratio} (0.5), {@code lr} (1e-4), {@code weight_decay} (0.05),
 * {@code feature_resolution} (256), {@code seed}. Weights, AdamW moments and step counts, RNG state and data cursor
 * are in the checkpoint, so a resumed run continues exactly. {@link #evaluate} reports the masked-patch L1 of a
 * fixed set of views and writes a reconstruction preview ({@value #PREVIEW}: rows of masked input | reconstruction
 * | original) into the run folder.
 */
public final class SimMimJob implements HeavyJob {
    public static final String METHOD = "simmim";
    public static final String PREVIEW = "preview.png";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String ENCODER = "encoder.";
    private static final int EVAL_VIEWS = 4;
    private static final int MAX_SIDE_FACTOR = 3;

    /** The factory the worker finds through {@link java.util.ServiceLoader}. */
    public static final class Factory extends SimpleFactory {
        public Factory() {
            super(METHOD, "SimMIM: a ViT learnt from scratch on the project's own images (no labels); becomes a 'project ViT' backbone", SimMimJob::new);
        }
    }

    /** The shape and objective settings of a run (from the config, defaults as the class comment). */
    public record Settings(int size, int patch, int width, int depth, int heads, int mlp, int batch, double maskRatio,
            double lr, double weightDecay, int featureResolution) {
        static Settings of(ObjectNode c) {
            HeavyContext h = new HeavyContext(c, null, null, null);
            return new Settings(h.intOr("size", 128), h.intOr("patch", 8), h.intOr("width", 128), h.intOr("depth", 12),
                    h.intOr("heads", 8), h.intOr("mlp", 512), h.intOr("batch", 8), h.doubleOr("mask_ratio", 0.5),
                    h.doubleOr("lr", 1e-4), h.doubleOr("weight_decay", 0.05), h.intOr("feature_resolution", 256));
        }

        Dinov2Config encoderConfig() {
            if (size % patch != 0) {
                throw new IllegalArgumentException("simmim: size " + size + " is not a multiple of the patch " + patch);
            }
            return new Dinov2Config(width, depth, heads, mlp, patch, size / patch, 0, 1e-6f, false, 0.1);
        }

        int grid() {
            return size / patch;
        }

        int patchValues() {
            return 3 * patch * patch;
        }
    }

    private HeavyContext ctx;
    private Settings shape;
    private NDManager manager;
    private List<RgbImage> images;
    private Dinov2Model encoder;
    private final Params all = new Params();
    private org.scribbleseg.engine.nn.Parameter decW;
    private org.scribbleseg.engine.nn.Parameter decB;
    private AdamW opt;
    private SeededRandom rng;
    private int[] order;
    private int position;
    private long epoch;
    private long steps;
    private long evaluations;
    private final List<Double> lossCurve = new ArrayList<>();
    private double budgetS;
    private double budgetUsedBefore;
    private long sessionStart;
    private long sessionFirstStep;

    @Override
    public void init(HeavyContext ctx) throws Exception {
        List<RgbImage> ims = new ArrayList<>();
        int maxSide = MAX_SIDE_FACTOR * Settings.of(ctx.config()).size();
        try (ProjectStore store = ProjectStore.open(ctx.project())) {
            for (ImageEntry e : store.images()) {
                ims.add(Thumbnails.make(ImageLoader.load(store.resolve(e)), maxSide));
            }
        }
        init(ctx, ims);
    }

    /**
     * A run on {@code images} instead of a project's (the benchmark's unlabelled images); the images are reduced
     * to a long side of 3 × {@code size} as {@link #init(HeavyContext)} does.
     */
    public void init(HeavyContext ctx, List<RgbImage> imgs) {
        this.ctx = ctx;
        this.shape = Settings.of(ctx.config());
        if (imgs.isEmpty()) {
            throw new ProjectException("simmim: the project has no images to learn from");
        }
        int maxSide = MAX_SIDE_FACTOR * shape.size();
        this.images = imgs.stream().map(i -> Math.max(i.width(), i.height()) > maxSide ? Thumbnails.make(i, maxSide) : i).toList();
        manager = NDManager.newBaseManager(ctx.device());
        rng = new SeededRandom(ctx.seed());
        encoder = Dinov2Model.random(shape.encoderConfig(), ctx.seed(), manager);
        all.include(ENCODER, encoder.params());
        int d = shape.patchValues();
        float[] w = new float[d * shape.width()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * 0.02);
        }
        decW = all.add("decoder.weight", manager.create(w, new Shape(d, shape.width())));
        decB = all.add("decoder.bias", manager.zeros(new Shape(d)));
        order = rng.permutation(images.size());
        position = 0;
        epoch = 0;
        steps = ctx.config().has("steps") ? ctx.config().get("steps").asLong()
                : ctx.config().has("budget_s") ? stepsForBudget(ctx.doubleOr("budget_s", 0))
                : 100L * ((images.size() + shape.batch() - 1) / shape.batch());
        budgetS = ctx.config().has("steps") ? 0 : ctx.doubleOr("budget_s", 0);
        buildOptimizer();
        sessionStart = System.nanoTime();
    }

    private void buildOptimizer() {
        // the total is read at every step: with a time budget it is measured again before the first drop
        opt = AdamW.builder(all).lr(shape.lr()).weightDecay(shape.weightDecay()).betas(0.9, 0.999)
                .rule("no_decay", SimMimJob::noDecay, 1.0, 0.0)
                .schedule(t -> SimMim.stepFactor(t, steps)).build();
    }

    /** Biases, norms, tokens, position embedding and layer scale are not decayed (as SimMIM / timm). */
    static boolean noDecay(String n) {
        return n.endsWith(".bias") || n.contains("norm") || n.endsWith("_token") || n.contains("position_embeddings")
                || n.contains("layer_scale");
    }

    /**
     * A first guess of the steps that fit {@code seconds}: one forward + backward pass is timed (no update, on a
     * throw-away RNG, so the run itself is unchanged). The count is measured again on the run's own steps (see
     * {@link #step}).
     */
    private long stepsForBudget(double seconds) {
        SplittableRandom r = new SplittableRandom(ctx.seed() ^ 0x5EEDL);
        long t0 = System.nanoTime();
        int[] idx = new int[shape.batch()];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = r.nextInt(images.size());
        }
        try (NDManager sub = manager.newSubManager(); GradTape tape = all.record()) {
            tape.backward(loss(sub, idx, r));
        }
        return Math.max(REMEASURE[0] + 1, (long) (seconds / ((System.nanoTime() - t0) / 1e9)));
    }

    /**
     * With a time budget the step count is measured again on the run's own steps, at these step numbers (counted
     * in this process) and while no learning-rate drop has happened (before 50 %), so the schedule stays whole:
     * the total becomes (steps done) + (budget left) / (mean step time so far). Saved in the checkpoint.
     */
    private static final long[] REMEASURE = {8, 40, 160};

    private void remeasure(long step) {
        if (budgetS <= 0) {
            return;
        }
        long here = step + 1 - sessionFirstStep;
        boolean due = false;
        for (long r : REMEASURE) {
            due |= here == r;
        }
        if (!due || (step + 1) * 2 >= steps) {
            return;
        }
        double sec = (System.nanoTime() - sessionStart) / 1e9;
        double left = budgetS - budgetUsedBefore - sec;
        steps = Math.max((step + 1) * 2 + 1, step + 1 + (long) (Math.max(0, left) / (sec / here)));
    }

    @Override
    public long totalSteps() {
        return steps;
    }

    /** The loss of one batch of views of images {@code idx}; views and masks drawn from {@code r}. */
    private NDArray loss(NDManager sub, int[] idx, SplittableRandom r) {
        int s = shape.size();
        int g = shape.grid();
        int plane = 3 * s * s;
        float[] px = new float[idx.length * plane];
        float[] mk = new float[idx.length * g * g];
        for (int b = 0; b < idx.length; b++) {
            System.arraycopy(SimMim.augment(images.get(idx[b]), s, r), 0, px, b * plane, plane);
            System.arraycopy(SimMim.randomMask(g, g, shape.maskRatio(), r), 0, mk, b * g * g, g * g);
        }
        NDArray x = sub.create(px, new Shape(idx.length, 3, s, s));
        NDArray m = sub.create(mk, new Shape(idx.length, (long) g * g));
        return SimMim.maskedL1(reconstruct(x, m), SimMim.patchify(x, shape.patch()), m);
    }

    /** [B, N, 3·p·p]: the decoder's pixels of every patch of {@code x} with patches {@code m} masked. */
    private NDArray reconstruct(NDArray x, NDArray m) {
        Dinov2Model.Output o = encoder.forward(x, m, false, null);
        NDArray tokens = o.xNorm().get(":, 1:, :");
        return Ops.linear(tokens, decW.value(), decB.value());
    }

    @Override
    public double step(long step) {
        int[] idx = new int[shape.batch()];
        for (int b = 0; b < idx.length; b++) {
            if (position >= order.length) {
                order = rng.permutation(order.length);
                position = 0;
                epoch++;
            }
            idx[b] = order[position++];
        }
        SplittableRandom r = new SplittableRandom(rng.nextLong());
        double value;
        encoder.train(true);
        try (NDManager sub = manager.newSubManager(); GradTape tape = all.record()) {
            NDArray loss = loss(sub, idx, r);
            tape.backward(loss);
            value = loss.getFloat();
            opt.step(tape.gradients());
        } finally {
            encoder.train(false);
        }
        lossCurve.add(value);
        remeasure(step);
        return value;
    }

    /** Training images per second of the last {@code n} steps is for the caller; this is the per-step loss so far. */
    public List<Double> losses() {
        return lossCurve;
    }

    public Settings shape() {
        return shape;
    }

    public int imageCount() {
        return images.size();
    }

    public long parameterCount() {
        return all.count(false);
    }

    @Override
    public Map<String, Double> evaluate() throws IOException {
        int s = shape.size();
        int g = shape.grid();
        int n = Math.min(EVAL_VIEWS, images.size());
        SplittableRandom r = new SplittableRandom(ctx.seed() * 31 + 7); // the same views and masks every time
        int plane = 3 * s * s;
        float[] px = new float[n * plane];
        float[] mk = new float[n * g * g];
        for (int b = 0; b < n; b++) {
            System.arraycopy(SimMim.augment(images.get(b * images.size() / n), s, r), 0, px, b * plane, plane);
            System.arraycopy(SimMim.randomMask(g, g, shape.maskRatio(), r), 0, mk, b * g * g, g * g);
        }
        double l1;
        float[] rec;
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(px, new Shape(n, 3, s, s));
            NDArray m = sub.create(mk, new Shape(n, (long) g * g));
            NDArray pred = reconstruct(x, m);
            l1 = SimMim.maskedL1(pred, SimMim.patchify(x, shape.patch()), m).getFloat();
            rec = pred.toFloatArray();
        }
        evaluations++;
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("masked_l1", l1);
        if (ctx.runDir() != null) {
            Files.createDirectories(ctx.runDir());
            Path tmp = ctx.runDir().resolve(".preview.png.tmp");
            ImageWriter.writePng(preview(px, mk, rec, n), tmp);
            Files.move(tmp, ctx.runDir().resolve(PREVIEW), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    /**
     * Rows of three {@code size}² panels per view: the masked input (masked patches grey), the reconstruction
     * (visible patches as input, masked ones as decoded: what the loss scores), the original view.
     */
    private RgbImage preview(float[] px, float[] mk, float[] rec, int n) {
        int s = shape.size();
        int p = shape.patch();
        int g = shape.grid();
        int gap = 2;
        int w = 3 * s + 2 * gap;
        int h = n * s + (n - 1) * gap;
        byte[] out = new byte[w * h * 3];
        java.util.Arrays.fill(out, (byte) 255);
        int plane = 3 * s * s;
        int d = shape.patchValues();
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int patchIdx = (y / p) * g + x / p;
                    boolean masked = mk[b * g * g + patchIdx] > 0.5f;
                    for (int c = 0; c < 3; c++) {
                        float orig = px[b * plane + c * s * s + y * s + x];
                        float dec = rec[(b * g * g + patchIdx) * d + c * p * p + (y % p) * p + x % p];
                        int row = b * (s + gap) + y;
                        put(out, w, row, x, c, masked ? Float.NaN : orig);
                        put(out, w, row, s + gap + x, c, masked ? dec : orig);
                        put(out, w, row, 2 * (s + gap) + x, c, orig);
                    }
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static void put(byte[] out, int w, int row, int col, int c, float normalised) {
        float v = Float.isNaN(normalised) ? 0.5f : normalised * SimMim.STD[c] + SimMim.MEAN[c];
        out[(row * w + col) * 3 + c] = (byte) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }

    @Override
    public void save(Checkpoint.Writer w) throws IOException {
        for (Map.Entry<String, org.scribbleseg.engine.nn.Parameter> e : all.all().entrySet()) {
            NDArray a = e.getValue().data();
            w.tensor("param." + e.getKey(), a.getShape().getShape(), a.toFloatArray());
        }
        Path tmp = Files.createTempFile("simmim-opt", ".safetensors");
        try {
            opt.saveState(tmp);
            w.file(OPTIMIZER, Files.readAllBytes(tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
        ObjectNode st = w.state();
        st.put("method", METHOD);
        st.put("rng", rng.state());
        st.put("epoch", epoch);
        st.put("position", position);
        st.put("total_steps", steps);
        st.put("budget_used_s", budgetUsedBefore + (System.nanoTime() - sessionStart) / 1e9);
        st.put("images", images.size());
        st.put("evaluations", evaluations);
        ArrayNode o = st.putArray("order");
        for (int i : order) {
            o.add(i);
        }
        ObjectNode enc = st.putObject("encoder_config");
        enc.setAll(shape.encoderConfig().toJson());
        st.put("feature_resolution", shape.featureResolution());
    }

    @Override
    public void restore(Checkpoint in) {
        if (!METHOD.equals(in.state().path("method").asText())) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of method '" + in.state().path("method").asText()
                    + "', not " + METHOD);
        }
        ObjectNode st = in.state();
        if (st.path("images").asInt() != images.size()) {
            throw new IllegalStateException("the run started on " + st.path("images").asInt() + " images, the project now has "
                    + images.size() + ": start a new run (a resumed run must see the same data)");
        }
        for (Map.Entry<String, org.scribbleseg.engine.nn.Parameter> e : all.all().entrySet()) {
            Checkpoint.Tensor t = in.tensor("param." + e.getKey());
            e.getValue().data().set(t.data());
        }
        steps = st.path("total_steps").asLong(steps);
        budgetUsedBefore = st.path("budget_used_s").asDouble(0);
        sessionStart = System.nanoTime();
        sessionFirstStep = in.step();
        opt.close();
        buildOptimizer();
        opt.loadState(in.file(OPTIMIZER));
        rng.restore(st.path("rng").asLong());
        epoch = st.path("epoch").asLong();
        position = st.path("position").asInt();
        evaluations = st.path("evaluations").asLong();
        ArrayNode o = (ArrayNode) st.path("order");
        order = new int[o.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = o.get(i).asInt();
        }
    }

    @Override
    public void close() {
        if (opt != null) {
            opt.close();
        }
        if (encoder != null) {
            encoder.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /**
     * The trained encoder of a run's newest checkpoint as a backbone named {@code name} (the final-normed patch
     * tokens at {@code resolution}, long side; ≤ 0: the run's {@code feature_resolution}), on this process's
     * device.
     */
    public static Dinov2Backbone backbone(Path runDir, String name, int resolution) throws IOException {
        Checkpoint ck = Checkpoint.latest(runDir).orElseThrow(() -> new ProjectException("run " + runDir.getFileName()
                + " has no checkpoint yet"));
        return backbone(ck, name, resolution);
    }

    /** Prefix of a project ViT setting: "project-vit:&lt;run&gt;". */
    public static final String PROJECT_VIT = "project-vit:";

    /**
     * The project ViT a setting "project-vit:&lt;run&gt;" names: the encoder of the newest checkpoint of SimMIM run
     * {@code <run>} under {@code modelsDir}, at the run's feature resolution. Its key names the run and the
     * checkpoint's step ("project-vit-&lt;run&gt;-s&lt;step&gt;@256"), so cached features of an earlier checkpoint
     * are not reused.
     */
    public static Dinov2Backbone projectBackbone(String setting, Path modelsDir) throws IOException {
        String run = setting.strip().substring(PROJECT_VIT.length());
        if (modelsDir == null) {
            throw new ProjectException("a project ViT (" + setting + ") needs its project");
        }
        if (run.isEmpty() || run.contains("/") || run.contains("\\") || run.startsWith(".")) {
            throw new ProjectException("'" + setting + "' does not name a run");
        }
        Path dir = modelsDir.resolve(run);
        Checkpoint ck = Checkpoint.latest(dir).orElseThrow(() -> new ProjectException("run " + run + " has no checkpoint (" + dir + ")"));
        return backbone(ck, "project-vit-" + run + "-s" + ck.step(), 0);
    }

    public static Dinov2Backbone backbone(Checkpoint ck, String name, int resolution) {
        if (!METHOD.equals(ck.state().path("method").asText())) {
            throw new ProjectException("run " + ck.dir().getParent().getFileName() + " is not a " + METHOD + " run");
        }
        Dinov2Config cfg = Dinov2Config.fromJson(ck.state().path("encoder_config"));
        Map<String, Checkpoint.Tensor> t = ck.tensors();
        WeightSource src = new WeightSource() {
            @Override
            public boolean contains(String n) {
                return t.containsKey("param." + ENCODER + n);
            }

            @Override
            public NDArray load(NDManager m, String n) {
                Checkpoint.Tensor x = t.get("param." + ENCODER + n);
                if (x == null) {
                    throw new IllegalArgumentException("no weight " + n);
                }
                return m.create(x.data(), new Shape(x.shape()));
            }
        };
        int res = resolution > 0 ? resolution : ck.state().path("feature_resolution").asInt(256);
        NDManager m = NDManager.newBaseManager(org.scribbleseg.engine.gpu.ProcessDevice.get());
        try {
            return new Dinov2Backbone(name, new Dinov2Model(cfg, src, m), m, res);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

}
