package org.scribbleseg.engine.heavy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.nn.Ops;

/**
 * {@code conv-probe}: a small fully convolutional net (3×3 conv, ReLU, 3×3 conv, ReLU, 1×1 conv to the classes)
 * trained from random init on the project's labelled images at a small grid ({@link ProjectSamples}), one image per
 * step, with a masked cross-entropy (unlabelled cells ignored) and Adam, through DJL's {@link GradientCollector}. It
 * is the smallest real heavy job: it exercises the worker, checkpoints, resume and predictors on real data; the
 * seed methods replace it for quality.
 *
 * <p>Config: {@code steps} (default 200), {@code size} (grid, default 32), {@code hidden} (channels, default 16),
 * {@code lr} (default 0.01), {@code seed}. Adam's moments and step count are in the checkpoint, so a resumed run
 * continues exactly. (When the AdamW with parameter groups lands, this job switches to it.)
 */
public final class ConvProbeJob implements HeavyJob {
    public static final String METHOD = "conv-probe";
    static final List<String> PARAMS = List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "head.weight", "head.bias");

    /** The factory the worker finds through {@link java.util.ServiceLoader}. */
    public static final class Factory implements HeavyJobFactory {
        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public String description() {
            return "small conv net trained from scratch on the labelled images (tests the heavy pipeline; not a quality model)";
        }

        @Override
        public HeavyJob create() {
            return new ConvProbeJob();
        }
    }

    private NDManager manager;
    private ProjectSamples data;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long adamStep;
    private SeededRandom rng;
    private int[] order;
    private int position;
    private long epoch;
    private long steps;
    private double lr;
    private int hidden;

    @Override
    public void init(HeavyContext ctx) {
        int size = ctx.intOr("size", 32);
        hidden = ctx.intOr("hidden", 16);
        steps = ctx.intOr("steps", 200);
        lr = ctx.doubleOr("lr", 0.01);
        data = ProjectSamples.load(ctx.project(), size);
        manager = NDManager.newBaseManager(ctx.device());
        rng = new SeededRandom(ctx.seed());
        int k = data.classValues().length;
        param("conv1.weight", new long[] {hidden, 3, 3, 3}, 27);
        param("conv1.bias", new long[] {hidden}, 0);
        param("conv2.weight", new long[] {hidden, hidden, 3, 3}, hidden * 9);
        param("conv2.bias", new long[] {hidden}, 0);
        param("head.weight", new long[] {k, hidden, 1, 1}, hidden);
        param("head.bias", new long[] {k}, 0);
        order = rng.permutation(data.samples().size());
        position = 0;
        epoch = 0;
        adamStep = 0;
    }

    private void param(String name, long[] shape, int fanIn) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] w = new float[(int) n];
        if (fanIn > 0) {
            double std = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rng.nextGaussian() * std);
            }
        }
        put(name, new Shape(shape), w, new float[w.length], new float[w.length]);
    }

    private void put(String name, Shape shape, float[] w, float[] m1, float[] v1) {
        NDArray p = manager.create(w, shape);
        p.setRequiresGradient(true);
        params.put(name, p);
        m.put(name, manager.create(m1, shape));
        v.put(name, manager.create(v1, shape));
    }

    @Override
    public long totalSteps() {
        return steps;
    }

    private NDArray logits(NDArray x) {
        NDArray h = Activation.relu(conv(x, "conv1", 1));
        h = Activation.relu(conv(h, "conv2", 1));
        return conv(h, "head", 0);
    }

    private NDArray conv(NDArray x, String name, int pad) {
        return Conv2d.conv2d(x, params.get(name + ".weight"), params.get(name + ".bias"), new Shape(1, 1),
                new Shape(pad, pad), new Shape(1, 1)).singletonOrThrow();
    }

    @Override
    public double step(long step) {
        if (position >= order.length) {
            order = rng.permutation(order.length);
            position = 0;
            epoch++;
        }
        ProjectSamples.Sample s = data.samples().get(order[position++]);
        int size = data.size();
        int k = data.classValues().length;
        double lossValue;
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.create(s.rgb(), new Shape(1, 3, size, size));
            float[] valid = new float[s.labels().length];
            int[] target = new int[s.labels().length];
            int count = 0;
            for (int i = 0; i < target.length; i++) {
                if (s.labels()[i] >= 0) {
                    valid[i] = 1;
                    target[i] = s.labels()[i];
                    count++;
                }
            }
            NDArray oneHot = sub.create(target).oneHot(k).mul(sub.create(valid, new Shape(target.length, 1)));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logp = logits(x).reshape(k, (long) size * size).transpose().logSoftmax(1);
                NDArray loss = Ops.div(logp.mul(oneHot).sum().neg(), Math.max(1, count));
                gc.backward(loss);
                lossValue = loss.getFloat();
            }
            adam();
        }
        return lossValue;
    }

    private void adam() {
        // libtorch's grad mode is on by default on every thread: the update must not be recorded
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            adamUpdate();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
    }

    private void adamUpdate() {
        adamStep++;
        double b1 = 0.9;
        double b2 = 0.999;
        double c1 = 1 - Math.pow(b1, adamStep);
        double c2 = 1 - Math.pow(b2, adamStep);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = p.getGradient();
            NDArray mm = m.get(e.getKey());
            NDArray vv = v.get(e.getKey());
            mm.muli(b1).addi(Ops.mul(g, 1 - b1));
            vv.muli(b2).addi(g.square().muli(1 - b2));
            NDArray update = Ops.div(mm, c1).divi(Ops.div(vv, c2).sqrt().addi(1e-8)).muli(lr);
            p.subi(update);
            update.close();
            g.subi(g); // DJL accumulates gradients across backward calls: zero them ourselves
        }
    }

    /** Predicted class indices (0..K-1) on the grid of a sample. */
    /**
     * The model of a finished (or checkpointed) run, for inference only: weights from the checkpoint, on the CPU.
     * Returns the job (close it); {@link #predictProbabilities} predicts.
     */
    static ConvProbeJob forInference(Checkpoint ck) {
        if (!METHOD.equals(ck.state().path("method").asText())) {
            throw new IllegalStateException("checkpoint " + ck.dir() + " is not a " + METHOD + " checkpoint");
        }
        ConvProbeJob j = new ConvProbeJob();
        j.manager = NDManager.newBaseManager(ai.djl.Device.cpu());
        int size = ck.state().path("size").asInt();
        int[] cv = new int[ck.state().path("class_values").size()];
        for (int i = 0; i < cv.length; i++) {
            cv[i] = ck.state().path("class_values").get(i).asInt();
        }
        j.data = new ProjectSamples(size, cv, List.of(), ck.state().path("data_revision").asLong());
        for (String n : PARAMS) {
            Checkpoint.Tensor t = ck.tensor("param." + n);
            j.params.put(n, j.manager.create(t.data(), new Shape(t.shape())));
        }
        return j;
    }

    int gridSize() {
        return data.size();
    }

    int[] classValues() {
        return data.classValues();
    }

    /** Softmax probabilities [K][size*size] on the grid of {@code rgb}. */
    float[][] predictProbabilities(float[] rgb) {
        int size = data.size();
        int k = data.classValues().length;
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try (NDManager sub = manager.newSubManager()) {
            float[] flat = logits(sub.create(rgb, new Shape(1, 3, size, size))).softmax(1).toFloatArray();
            float[][] out = new float[k][size * size];
            for (int c = 0; c < k; c++) {
                System.arraycopy(flat, c * size * size, out[c], 0, size * size);
            }
            return out;
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
    }

    int[] predictCells(float[] rgb) {
        int size = data.size();
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try (NDManager sub = manager.newSubManager()) {
            NDArray out = logits(sub.create(rgb, new Shape(1, 3, size, size))).argMax(1).toType(DataType.INT32, false);
            return out.toIntArray();
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
    }

    @Override
    public Map<String, Double> evaluate() {
        // agreement with the training labels on the grid (the labels it learns from: not a held-out score)
        Metrics mt = new Metrics(LabelMap.VOID);
        int size = data.size();
        for (ProjectSamples.Sample s : data.samples()) {
            int[] p = predictCells(s.rgb());
            byte[] truth = new byte[p.length];
            byte[] pred = new byte[p.length];
            for (int i = 0; i < p.length; i++) {
                truth[i] = (byte) (s.labels()[i] < 0 ? LabelMap.VOID : s.labels()[i]);
                pred[i] = (byte) p[i];
            }
            mt.add(new LabelMap(size, size, truth), new LabelMap(size, size, pred));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("train_miou", mt.meanIoU());
        out.put("train_pixel_accuracy", mt.pixelAccuracy());
        return out;
    }

    @Override
    public void save(Checkpoint.Writer w) {
        for (String n : PARAMS) {
            w.tensor("param." + n, params.get(n).getShape().getShape(), params.get(n).toFloatArray());
            w.tensor("adam.m." + n, m.get(n).getShape().getShape(), m.get(n).toFloatArray());
            w.tensor("adam.v." + n, v.get(n).getShape().getShape(), v.get(n).toFloatArray());
        }
        var st = w.state();
        st.put("method", METHOD);
        st.put("adam_step", adamStep);
        st.put("rng", rng.state());
        st.put("epoch", epoch);
        st.put("position", position);
        ArrayNode o = st.putArray("order");
        for (int i : order) {
            o.add(i);
        }
        ArrayNode cv = st.putArray("class_values");
        for (int c : data.classValues()) {
            cv.add(c);
        }
        st.put("size", data.size());
        st.put("hidden", hidden);
        st.put("data_revision", data.dataRevision());
    }

    @Override
    public void restore(Checkpoint in) {
        if (!METHOD.equals(in.state().path("method").asText())) {
            throw new IllegalStateException("checkpoint " + in.dir() + " is of method '" + in.state().path("method").asText() + "', not " + METHOD);
        }
        for (String n : PARAMS) {
            Checkpoint.Tensor p = in.tensor("param." + n);
            Shape shape = new Shape(p.shape());
            if (!shape.equals(params.get(n).getShape())) {
                throw new IllegalStateException("checkpoint tensor " + n + " has shape " + shape + ", the model " + params.get(n).getShape()
                        + " (the classes of the project changed since the run started)");
            }
            params.get(n).close();
            m.get(n).close();
            v.get(n).close();
            put(n, shape, p.data(), in.tensor("adam.m." + n).data(), in.tensor("adam.v." + n).data());
        }
        var st = in.state();
        adamStep = st.path("adam_step").asLong();
        rng.restore(st.path("rng").asLong());
        epoch = st.path("epoch").asLong();
        position = st.path("position").asInt();
        ArrayNode o = (ArrayNode) st.path("order");
        if (o.size() != data.samples().size()) {
            throw new IllegalStateException("the run started on " + o.size() + " labelled images, the project now has "
                    + data.samples().size() + ": start a new run (a resumed run must see the same data)");
        }
        order = new int[o.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = o.get(i).asInt();
        }
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }

    NDList parameters() {
        return new NDList(params.values());
    }
}
