package org.scribbleseg.engine.zeroseg;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.heavy.HeavyJob;
import org.scribbleseg.engine.heavy.HeavyJobFactory;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Parameter;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsWriter;
import org.scribbleseg.engine.nn.VitPreprocess;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.nn.optim.GradClip;
import org.scribbleseg.engine.nn.optim.PolySchedule;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * {@code zeroseg}: ZeroSeg (methods.md §E) on the project's images, no human labels. Each step takes a batch of
 * images; the frozen CLIP image encoder embeds each image's 14 {@link MultiScaleViews} (computed once per image and
 * kept: the teacher is frozen and the views are fixed); the student ({@link ZeroSegModel}) sees the full view with
 * a random {@code maskRatio} of its patches dropped; loss = w_d · distillation(z, v_1..v_14) + w_s ·
 * segment matching(g, v_2..v_14) + w_m · MAE reconstruction of the masked patches, with z, g and v L2-normalised.
 * AdamW (β = 0.9, 0.95, weight decay 0.05 except biases, norms, tokens and position tables), poly schedule with a
 * 5 % linear warm-up, gradient clipping at global norm 1. Every random draw (order, masks, Gumbel noise, weights)
 * comes from one {@link SeededRandom}, so a resumed run continues exactly.
 *
 * <p>Config: {@code teacher} (CLIP model folder; default: the installed clip-vit-base-patch16, recorded in the run's config), {@code preset} (default on a GPU, cpu otherwise; see
 * {@link ZeroSegConfig#preset}), {@code steps} (5000 / 600 / 200 for default / cpu / tiny), {@code batch} (8 on a
 * GPU, 2 on the CPU), {@code lr} (5e-4), {@code weight_decay} (0.05), {@code mask_ratio} (0.4),
 * {@code w_distill}, {@code w_segment}, {@code w_mae} (1, 1, 1), {@code grad_clip} (1), {@code seed}.
 */
public final class ZeroSegJob implements HeavyJob {
    public static final String METHOD = "zeroseg";

    /** The factory the worker finds through {@link java.util.ServiceLoader}. */
    public static final class Factory implements HeavyJobFactory {
        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String description() {
            return "ZeroSeg: segment tokens distilled from a CLIP teacher on the project's images, no labels (config: teacher=<CLIP folder>)";
        }

        @Override
        public HeavyJob create() {
            return new ZeroSegJob();
        }
    }

    private NDManager manager;
    private ZeroSegModel model;
    private AdamW opt;
    private SeededRandom rng;
    private ZeroSegConfig cfg;
    private String preset;
    private List<Long> imageIds;
    private List<Path> files;
    private final Map<Integer, float[]> teacherCache = new HashMap<>();
    /** Student views kept in memory, at most this many bytes of pixels. */
    static final long VIEW_CACHE_BYTES = 512L << 20;
    private final Map<Integer, RgbImage> viewCache = new HashMap<>();
    private ClipModel teacher;
    private int[] order;
    private int position;
    private long epoch;
    private long steps;
    private int batch;
    private double wDistill;
    private double wSegment;
    private double wMae;
    private double gradClip;
    private final double[] recent = new double[4];
    private int recentCount;

    @Override
    public void init(HeavyContext ctx) throws Exception {
        String t = ctx.config().path("teacher").asText("");
        Path teacherDir = t.isEmpty() ? ClipModels.resolve(ClipModels.DEFAULT_MODEL).orElse(null) : Path.of(t);
        if (teacherDir == null || !Files.isRegularFile(teacherDir.resolve("config.json"))) {
            throw new ProjectException("zeroseg needs a CLIP teacher: config teacher=<CLIP model folder>"
                    + (t.isEmpty() ? " (" + ClipModels.NOT_INSTALLED + ")" : " (no CLIP model in '" + t + "')"));
        }
        ctx.config().put("teacher", teacherDir.toAbsolutePath().toString());
        Device dev = ctx.device();
        preset = ctx.config().path("preset").asText(dev.isGpu() ? "default" : "cpu");
        manager = NDManager.newBaseManager(dev);
        teacher = ClipModel.load(teacherDir, manager, false);
        teacher.params().freeze(n -> true);
        ZeroSegConfig p = ZeroSegConfig.preset(preset, teacher.config().projectionDim());
        double ratio = ctx.doubleOr("mask_ratio", p.maskRatio());
        cfg = new ZeroSegConfig(p.inputSize(), p.patchSize(), p.width(), p.depth(), p.heads(), p.mlpHidden(), p.decoderWidth(),
                p.decoderDepth(), p.decoderHeads(), p.groupTokens1(), p.groupTokens2(), p.groupDepth(), p.embedDim(), ratio);
        if (cfg.inputSize() % teacher.config().patchSize() != 0) {
            throw new ProjectException("the teacher's patch size " + teacher.config().patchSize() + " does not divide the input size " + cfg.inputSize());
        }
        steps = ctx.intOr("steps", switch (preset) {
            case "default" -> 5000;
            case "tiny" -> 200;
            default -> 600;
        });
        batch = ctx.intOr("batch", dev.isGpu() ? 8 : 2);
        wDistill = ctx.doubleOr("w_distill", 1);
        wSegment = ctx.doubleOr("w_segment", 1);
        wMae = ctx.doubleOr("w_mae", 1);
        gradClip = ctx.doubleOr("grad_clip", 1);
        loadImages(ctx.project());
        rng = new SeededRandom(ctx.seed());
        model = new ZeroSegModel(cfg, rng.nextLong(), manager);
        opt = optimizer(ctx.doubleOr("lr", 5e-4), ctx.doubleOr("weight_decay", 0.05));
        order = rng.permutation(files.size());
        position = 0;
        epoch = 0;
    }

    private AdamW optimizer(double lr, double wd) {
        return AdamW.builder(model.params()).lr(lr).weightDecay(wd).betas(0.9, 0.95)
                .rule("no_decay", n -> n.endsWith(".bias") || n.contains("norm") || n.contains(".ln") || n.contains("token")
                        || n.endsWith(".pos"), 1.0, 0.0)
                .schedule(new PolySchedule(steps, 0.9, Math.max(1, steps / 20), 1e-3)).build();
    }

    private void loadImages(Path project) {
        imageIds = new ArrayList<>();
        files = new ArrayList<>();
        try (ProjectStore store = ProjectStore.open(project)) {
            for (ImageEntry e : store.images()) {
                imageIds.add(e.id());
                files.add(store.resolve(e));
            }
        }
        if (files.isEmpty()) {
            throw new ProjectException("the project has no images to train ZeroSeg on");
        }
    }

    @Override
    public long totalSteps() {
        return steps;
    }

    ZeroSegModel model() {
        return model;
    }

    @Override
    public double step(long step) throws Exception {
        int s = cfg.inputSize();
        int n = cfg.patches();
        int v = cfg.visible();
        int d = cfg.embedDim();
        float[] pixels = new float[batch * 3 * s * s];
        float[] views = new float[batch * MultiScaleViews.COUNT * d];
        int[][] keep = new int[batch][];
        float[] masked = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            if (position >= order.length) {
                order = rng.permutation(order.length);
                position = 0;
                epoch++;
            }
            int img = order[position++];
            RgbImage full = studentView(img);
            System.arraycopy(MultiScaleViews.chw(full, VitPreprocess.CLIP_MEAN, VitPreprocess.CLIP_STD), 0, pixels, b * 3 * s * s, 3 * s * s);
            System.arraycopy(teacherCache.get(img), 0, views, b * MultiScaleViews.COUNT * d, MultiScaleViews.COUNT * d);
            int[] perm = rng.permutation(n);
            keep[b] = Arrays.copyOf(perm, v);
            Arrays.sort(keep[b]);
            Arrays.fill(masked, b * n, (b + 1) * n, 1f);
            for (int p : keep[b]) {
                masked[b * n + p] = 0f;
            }
        }
        float[] g1 = gumbel(batch * cfg.groupTokens1() * v);
        float[] g2 = gumbel(batch * cfg.groupTokens2() * cfg.groupTokens1());
        double total;
        try (NDManager sub = manager.newSubManager(); GradTape tape = model.params().record()) {
            NDArray x = sub.create(pixels, new Shape(batch, 3, s, s));
            NDArray[] gumbel = {sub.create(g1, new Shape(batch, cfg.groupTokens1(), v)),
                    sub.create(g2, new Shape(batch, cfg.groupTokens2(), cfg.groupTokens1()))};
            NDArray[] l = losses(model, x, keep, gumbel, sub.create(views, new Shape(batch, MultiScaleViews.COUNT, d)),
                    sub.create(masked, new Shape(batch, n)));
            NDArray lD = l[0];
            NDArray lS = l[1];
            NDArray lM = l[2];
            NDArray loss = Ops.mul(lD, (float) wDistill).add(Ops.mul(lS, (float) wSegment)).add(Ops.mul(lM, (float) wMae));
            tape.backward(loss);
            Map<String, NDArray> grads = tape.gradients();
            if (gradClip > 0) {
                GradClip.byGlobalNorm(grads, gradClip);
            }
            opt.step(grads);
            total = loss.getFloat();
            recent[0] += lD.getFloat();
            recent[1] += lS.getFloat();
            recent[2] += lM.getFloat();
            recent[3] += total;
            recentCount++;
        }
        return total;
    }

    /**
     * The three loss terms of one step: distillation of the pooled z to all 14 teacher views, segment matching of
     * g_1..g_S to the 13 local views (z, g and the teacher embeddings {@code teach} [B, 14, D] L2-normalised), and
     * the MAE reconstruction of the patches flagged in {@code masked} [B, N].
     */
    public static NDArray[] losses(ZeroSegModel model, NDArray x, int[][] keep, NDArray[] gumbel, NDArray teach, NDArray masked) {
        ZeroSegModel.Output o = model.forward(x, keep, gumbel);
        NDArray lD = ZeroSegLosses.distillation(ZeroSegLosses.normalize(ZeroSegLosses.pooled(o.segments())), teach);
        NDArray lS = ZeroSegLosses.segmentMatching(ZeroSegLosses.normalize(o.segments()), teach.get(":, 1:, :"));
        NDArray lM = ZeroSegLosses.reconstruction(o.reconstruction(), ZeroSegModel.patchify(x, model.config().patchSize()), masked);
        return new NDArray[] {lD, lS, lM};
    }

    /**
     * The student's view of image {@code img} (the full image at the input size). The first time, the image is
     * decoded, its 14 views are made and the teacher embeds them (kept for the run); the full view is kept while
     * the kept views stay under {@link #VIEW_CACHE_BYTES}, otherwise the image is decoded again next time.
     */
    private RgbImage studentView(int img) throws IOException {
        RgbImage kept = viewCache.get(img);
        if (kept != null) {
            return kept;
        }
        int s = cfg.inputSize();
        RgbImage decoded = ImageLoader.load(files.get(img));
        RgbImage full;
        if (teacherCache.containsKey(img)) {
            full = MultiScaleViews.resize(decoded, s, s);
        } else {
            List<RgbImage> vs = MultiScaleViews.views(decoded, s);
            teacherOf(img, vs);
            full = vs.get(0);
        }
        if ((long) (viewCache.size() + 1) * s * s * 3 <= VIEW_CACHE_BYTES) {
            viewCache.put(img, full);
        }
        return full;
    }

    /** Gumbel(0, 1) noise −log(−log u) from the run's generator. */
    private float[] gumbel(int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            double u = Math.min(Math.max(rng.nextDouble(), 1e-10), 1 - 1e-10);
            out[i] = (float) -Math.log(-Math.log(u));
        }
        return out;
    }

    /** The teacher's L2-normalised embeddings of the 14 views of image {@code img}, [14 · D] (cached). */
    private float[] teacherOf(int img, List<RgbImage> vs) {
        return teacherCache.computeIfAbsent(img, k -> {
            int s = cfg.inputSize();
            float[] x = new float[MultiScaleViews.COUNT * 3 * s * s];
            for (int i = 0; i < vs.size(); i++) {
                System.arraycopy(MultiScaleViews.chw(vs.get(i), VitPreprocess.CLIP_MEAN, VitPreprocess.CLIP_STD), 0, x, i * 3 * s * s, 3 * s * s);
            }
            boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            try (NDManager sub = manager.newSubManager()) {
                NDArray e = teacher.encodeImage(sub.create(x, new Shape(MultiScaleViews.COUNT, 3, s, s)), false, false).imageEmbeds();
                return ZeroSegLosses.normalize(e).toFloatArray();
            } finally {
                ai.djl.pytorch.jni.JniUtils.setGradMode(was);
            }
        });
    }

    /** Mean loss terms since the last call (the run's own objective; there are no labels to score against). */
    @Override
    public Map<String, Double> evaluate() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (recentCount > 0) {
            m.put("loss_distill", recent[0] / recentCount);
            m.put("loss_segment", recent[1] / recentCount);
            m.put("loss_mae", recent[2] / recentCount);
            m.put("loss", recent[3] / recentCount);
        }
        Arrays.fill(recent, 0);
        recentCount = 0;
        return m;
    }

    @Override
    public void save(Checkpoint.Writer w) throws IOException {
        for (Map.Entry<String, Parameter> e : model.params().all().entrySet()) {
            w.tensor("param." + e.getKey(), e.getValue().shape(), e.getValue().data().toFloatArray());
        }
        ObjectNode st = w.state();
        Path tmp = Files.createTempFile("zeroseg-adamw", ".safetensors");
        try {
            opt.saveState(tmp);
            try (Safetensors s = Safetensors.open(tmp)) {
                ObjectNode meta = st.putObject("adamw_metadata");
                s.metadata().forEach(meta::put);
                ObjectNode counts = st.putObject("adamw_steps");
                for (String n : s.names()) {
                    if (n.startsWith("step.")) {
                        counts.put(n, s.longs(n)[0]);
                    } else {
                        w.tensor("adamw." + n, s.info(n).shape(), s.floats(n));
                    }
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        st.put("method", METHOD);
        st.put("preset", preset);
        st.set("model", cfg.toJson());
        st.put("rng", rng.state());
        st.put("epoch", epoch);
        st.put("position", position);
        ArrayNode o = st.putArray("order");
        Arrays.stream(order).forEach(o::add);
        ArrayNode ids = st.putArray("image_ids");
        imageIds.forEach(ids::add);
    }

    @Override
    public void restore(Checkpoint in) throws IOException {
        ObjectNode st = in.state();
        if (!METHOD.equals(st.path("method").asText())) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of method '" + st.path("method").asText() + "', not " + METHOD);
        }
        if (!ZeroSegConfig.fromJson(st.path("model")).equals(cfg)) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of another ZeroSeg model: " + st.path("model"));
        }
        List<Long> ids = new ArrayList<>();
        st.path("image_ids").forEach(x -> ids.add(x.asLong()));
        if (!ids.equals(imageIds)) {
            throw new IllegalStateException("the run started on " + ids.size() + " images, the project now has " + imageIds.size()
                    + " (or others): start a new run (a resumed run must see the same data)");
        }
        loadParams(model, in);
        SafetensorsWriter sw = new SafetensorsWriter();
        st.path("adamw_metadata").fields().forEachRemaining(e -> sw.metadata(e.getKey(), e.getValue().asText()));
        in.tensors().forEach((name, t) -> {
            if (name.startsWith("adamw.")) {
                sw.put(name.substring("adamw.".length()), t.shape(), t.data());
            }
        });
        st.path("adamw_steps").fields().forEachRemaining(e -> sw.put(e.getKey(), new long[] {1}, new long[] {e.getValue().asLong()}));
        Path tmp = Files.createTempFile("zeroseg-adamw", ".safetensors");
        try {
            sw.write(tmp);
            opt.loadState(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        rng.restore(st.path("rng").asLong());
        epoch = st.path("epoch").asLong();
        position = st.path("position").asInt();
        ArrayNode o = (ArrayNode) st.path("order");
        order = new int[o.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = o.get(i).asInt();
        }
    }

    /** Copies the {@code param.*} tensors of a checkpoint into {@code model}. */
    static void loadParams(ZeroSegModel model, Checkpoint in) {
        for (Map.Entry<String, Parameter> e : model.params().all().entrySet()) {
            Checkpoint.Tensor t = in.tensor("param." + e.getKey());
            if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new IllegalStateException("checkpoint tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape()));
            }
            e.getValue().data().set(t.data());
        }
    }

    /** The student of a ZeroSeg checkpoint, for inference (in {@code parent}'s manager; close it). */
    public static ZeroSegModel forInference(Checkpoint ck, NDManager parent) {
        if (!METHOD.equals(ck.state().path("method").asText())) {
            throw new IllegalStateException("checkpoint " + ck.dir() + " is not a " + METHOD + " checkpoint");
        }
        ZeroSegModel m = new ZeroSegModel(ZeroSegConfig.fromJson(ck.state().path("model")), 0, parent);
        try {
            loadParams(m, ck);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
