package org.scribbleseg.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.ModelConfig;
import org.scribbleseg.engine.nn.Parameter;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.nn.optim.PolySchedule;

/**
 * Gradient and optimizer parity against a {@code *-grad} golden fixture (cases.safetensors of
 * {@code dinov2-tiny-grad} / {@code clip-tiny-grad}: loss, dL/d(input), dL/d(position embedding added) and dL/dW for
 * every HF-named weight of each case, then two AdamW steps with three parameter groups and a poly schedule).
 *
 * <p>Per case X: the loss {@code sum(x_norm * X.R)} (DINOv2) or {@code sum(dense * R1) + sum(image * R2) +
 * sum(text * R3)} (CLIP, MaskCLIP dense path + CLS path + text tower) is recorded on a {@link GradTape} and
 * back-propagated; every gradient is compared with {@code |ours - golden| <= 1e-4 + 1e-3 |golden|}. A weight whose
 * golden gradient is absent in PyTorch ({@code mask_token}, {@code logit_scale}: stored as zeros) must get no gradient
 * here either. Sparse goldens ({@code .rows} / {@code .values}) are compared on their rows, all other rows must be 0.
 *
 * <p>Optimizer (the fixture's documented configuration): AdamW lr 1e-4, wd 0.01, betas (0.9, 0.999), eps 1e-8;
 * groups, first match wins: {@code attn_pos} (name contains attention / attn / position: lr × 0.01), {@code norm_bias}
 * (a LayerNorm or a name ending in .bias: no decay), default; poly 0.9 over 10 steps. "golden-grad" runs step 1 on the
 * golden gradients and step 2 on ours at the step-1 weights with the golden key-bias gradients substituted, 1e-6
 * absolute; "end-to-end" uses our gradients in both steps, 1e-6 except the key biases (5e-6: their exact gradient is
 * 0, the float32 value is noise that Adam turns into a ±lr step; see the fixture README).
 */
public final class GradCheck {
    public static final double GRAD_ATOL = 1e-4;
    public static final double GRAD_RTOL = 1e-3;
    public static final double FWD_ATOL = 1e-4;
    public static final double FWD_RTOL = 1e-4;
    public static final double STEP_ATOL = 1e-6;
    public static final double KEY_BIAS_ATOL = 5e-6;

    /** One compared tensor. */
    public record Result(String tensor, long[] shape, double maxAbsError, String tolerance, boolean pass, String note) {
    }

    /** All results and the golden tensors nothing was compared with. */
    public record Report(String modelType, List<Result> results, List<String> skipped) {
        public boolean ok() {
            return !results.isEmpty() && results.stream().allMatch(Result::pass);
        }

        public double maxAbsError(String prefix) {
            return results.stream().filter(r -> r.tensor().startsWith(prefix)).mapToDouble(Result::maxAbsError).max()
                    .orElse(Double.NaN);
        }
    }

    private GradCheck() {
    }

    /** The fixture's optimizer: see the class comment. */
    public static AdamW fixtureOptimizer(Params params) {
        Predicate<String> attnPos = n -> n.contains("attention") || n.contains("attn") || n.contains("position");
        Predicate<String> normBias = n -> n.endsWith(".bias") || Arrays.stream(n.split("\\.")).anyMatch(s -> s.contains("norm"));
        return AdamW.builder(params).lr(1e-4).weightDecay(0.01).betas(0.9, 0.999).eps(1e-8)
                .rule("attn_pos", attnPos, 0.01, 1.0).rule("norm_bias", normBias, 1.0, 0.0)
                .schedule(PolySchedule.poly(10)).build();
    }

    /** Records case {@code c}: returns the loss; puts forward outputs, input and probe arrays into {@code out}. */
    private interface CaseLoss {
        NDArray loss(String c, GradTape tape, Map<String, NDArray> out, NDManager m);
    }

    /** A model under test: its parameters and the fixture loss of one case. */
    private record Subject(Params params, AutoCloseable model, CaseLoss fn) implements AutoCloseable {
        NDArray loss(String c, GradTape tape, Map<String, NDArray> out, NDManager m) {
            return fn.loss(c, tape, out, m);
        }

        @Override
        public void close() {
            try {
                model.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Runs the check of {@code modelDir} (the forward fixture's model folder) against {@code cases} (a *-grad
     * cases.safetensors, or the folder holding it).
     */
    public static Report run(Path modelDir, Path cases) {
        Path file = Files.isDirectory(cases) ? cases.resolve("cases.safetensors") : cases;
        String type = ModelConfig.modelType(modelDir);
        List<Result> results = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        try (NDManager m = NDManager.newBaseManager(); Safetensors st = Safetensors.open(file)) {
            Golden g = new Golden(st, used);
            List<String> caseNames = new ArrayList<>();
            for (String n : new TreeSet<>(st.names())) {
                if (n.endsWith(".input") && n.indexOf('.') == n.length() - 6) {
                    caseNames.add(n.substring(0, n.length() - 6));
                }
            }
            if (caseNames.isEmpty() || !st.contains(caseNames.get(0) + ".loss")) {
                throw new IllegalArgumentException(file + ": not a gradient fixture (no X.input with X.loss)");
            }
            for (String c : caseNames) {
                try (Subject s = subject(type, modelDir, m, g)) {
                    gradients(s, c, g, m, results);
                }
            }
            if (st.contains("opt.loss")) {
                optimizer(type, modelDir, g, m, results, true);
                optimizer(type, modelDir, g, m, results, false);
            }
            List<String> skipped = new ArrayList<>();
            for (String n : new TreeSet<>(st.names())) {
                if (!used.contains(n) && !n.endsWith(".input") && !n.endsWith(".input_ids") && !n.matches("[A-Za-z]+\\.R\\d?")) {
                    skipped.add(n);
                }
            }
            return new Report(type, results, skipped);
        }
    }

    private static Subject subject(String type, Path dir, NDManager m, Golden g) {
        return switch (type) {
            case "dinov2", "dinov2_with_registers" -> dinov2(Dinov2Model.load(dir, m), g);
            case "clip" -> clip(ClipModel.load(dir, m, true), g);
            default -> throw new IllegalArgumentException(dir + ": unsupported model_type '" + type + "'");
        };
    }

    /** 1 + patches of an image batch. */
    private static long tokens(NDArray x, int patch) {
        Shape s = x.getShape();
        return 1 + (s.get(2) / patch) * (s.get(3) / patch);
    }

    private static Subject dinov2(Dinov2Model model, Golden g) {
        return new Subject(model.params(), model, (c, tape, out, m) -> {
            NDArray x = tape.input(g.array(m, c + ".input"));
            NDArray probe = tape.probe(new Shape(1, tokens(x, model.config().patchSize()), model.config().hiddenSize()));
            Dinov2Model.Output o = model.forward(x, null, true, probe);
            out.put(c + ".x_norm", o.xNorm());
            out.put(c + ".pos_embed_added", o.posEmbed());
            out.put("input", x);
            out.put("probe", probe);
            return o.xNorm().mul(g.array(m, c + ".R")).sum();
        });
    }

    private static Subject clip(ClipModel model, Golden g) {
        return new Subject(model.params(), model, (c, tape, out, m) -> {
            NDArray x = tape.input(g.array(m, c + ".input"));
            NDArray probe = tape.probe(new Shape(tokens(x, model.config().patchSize()), model.config().vision().hiddenSize()));
            ClipModel.VisionOutput v = model.encodeImage(x, true, true, probe);
            out.put(c + ".pos_embed_added", v.posEmbed());
            ClipModel.TextOutput t = model.encodeText(g.array(m, c + ".input_ids"));
            out.put(c + ".dense_embeds", v.denseEmbeds());
            out.put(c + ".image_embeds", v.imageEmbeds());
            out.put(c + ".text_embeds", t.textEmbeds());
            out.put("input", x);
            out.put("probe", probe);
            return v.denseEmbeds().mul(g.array(m, c + ".R1")).sum()
                    .add(v.imageEmbeds().mul(g.array(m, c + ".R2")).sum())
                    .add(t.textEmbeds().mul(g.array(m, c + ".R3")).sum());
        });
    }

    /** Case c: loss, outputs, input / position gradients and every weight gradient. */
    private static void gradients(Subject s, String c, Golden g, NDManager m, List<Result> results) {
        try (NDManager scope = m.newSubManager(); GradTape tape = s.params().record()) {
            Map<String, NDArray> out = new HashMap<>();
            NDArray loss = s.loss(c, tape, out, scope);
            tape.backward(loss);
            results.add(compare(c + ".loss", loss.toFloatArray(), g.floats(c + ".loss"), g.shape(c + ".loss"),
                    GRAD_ATOL, GRAD_RTOL));
            for (Map.Entry<String, NDArray> e : out.entrySet()) {
                if (e.getKey().startsWith(c + ".") && g.has(e.getKey())) {
                    results.add(compare(e.getKey(), e.getValue().toFloatArray(), g.floats(e.getKey()), g.shape(e.getKey()),
                            FWD_ATOL, FWD_RTOL));
                }
            }
            compareGrad(results, c + ".grad_input", tape.gradientOf(out.get("input")), g);
            compareGrad(results, c + ".grad_pos_embed_added", tape.gradientOf(out.get("probe")), g);
            Map<String, NDArray> grads = tape.gradients();
            for (Map.Entry<String, Parameter> e : s.params().all().entrySet()) {
                String name = e.getKey();
                NDArray mine = grads.get(name);
                float[] ours = mine == null ? null : mine.toFloatArray();
                String key = c + ".grad." + name;
                String ref = g.hasDenseOrSparse(key) ? key : g.hasDenseOrSparse("A.grad." + name) ? "A.grad." + name : null;
                if (ref == null) {
                    continue;
                }
                long[] shape = e.getValue().shape();
                float[] golden = g.dense(ref, shape);
                String note = ref.equals(key) ? "" : "golden " + ref + " (identical by the fixture's construction)";
                if (ours == null) {
                    boolean zero = allZero(golden);
                    results.add(new Result(key, shape, zero ? 0 : Double.POSITIVE_INFINITY, "no gradient", zero,
                            zero ? "no gradient here, none in PyTorch (stored as 0)" : "no gradient here but PyTorch has one"));
                } else {
                    Result r = compare(key, ours, golden, shape, GRAD_ATOL, GRAD_RTOL);
                    results.add(note.isEmpty() ? r : new Result(r.tensor(), r.shape(), r.maxAbsError(), r.tolerance(), r.pass(), note));
                }
            }
        }
    }

    private static void compareGrad(List<Result> results, String key, NDArray grad, Golden g) {
        if (!g.has(key)) {
            return;
        }
        if (grad == null) {
            results.add(new Result(key, g.shape(key), Double.POSITIVE_INFINITY, "", false, "no gradient"));
            return;
        }
        results.add(compare(key, grad.toFloatArray(), g.floats(key), g.shape(key), GRAD_ATOL, GRAD_RTOL));
    }

    /**
     * Two AdamW steps on case A. {@code goldenGrads}: step 1 on the golden gradients, step 2 with the golden key-bias
     * gradients (tolerance 1e-6 everywhere); else our gradients in both steps (key biases 5e-6).
     */
    private static void optimizer(String type, Path dir, Golden g, NDManager m, List<Result> results, boolean goldenGrads) {
        String tag = goldenGrads ? "opt[golden-grad]." : "opt[end-to-end].";
        try (Subject s = subject(type, dir, m, g); AdamW opt = fixtureOptimizer(s.params())) {
            Map<String, float[]> initial = new HashMap<>();
            s.params().all().forEach((n, p) -> initial.put(n, p.data().toFloatArray()));
            Map<String, double[]> decay = new HashMap<>(); // per parameter: the (1 - lr*wd) of each step, as float32
            float[] lrs = g.floats("opt.lr");
            float[] losses = g.floats("opt.loss");
            for (int step = 1; step <= 2; step++) {
                // the lr of each group at this step against opt.lr [2, 3] (attn_pos, norm_bias, default)
                String[] groups = {"attn_pos", "norm_bias", "default"};
                for (int gi = 0; gi < 3; gi++) {
                    for (String n : opt.names()) {
                        if (opt.group(n).name().equals(groups[gi])) {
                            double mine = opt.lr(n);
                            double ref = lrs[(step - 1) * 3 + gi];
                            boolean pass = Math.abs(mine - ref) <= 1e-6 * Math.abs(ref); // opt.lr is stored as F32
                            results.add(new Result(tag + "lr.step" + step + "." + groups[gi], new long[] {1},
                                    Math.abs(mine - ref), "rel 1e-6 (F32 golden)", pass, "lr " + mine));
                            break;
                        }
                    }
                }
                Map<String, float[]> grads;
                try (NDManager scope = m.newSubManager(); GradTape tape = s.params().record()) {
                    Map<String, NDArray> out = new HashMap<>();
                    NDArray loss = s.loss("A", tape, out, scope);
                    tape.backward(loss);
                    results.add(compare(tag + "loss.step" + (step - 1), loss.toFloatArray(),
                            new float[] {losses[step - 1]}, new long[] {1}, GRAD_ATOL, GRAD_RTOL));
                    grads = new HashMap<>();
                    for (Map.Entry<String, NDArray> e : tape.gradients().entrySet()) {
                        grads.put(e.getKey(), e.getValue().toFloatArray());
                    }
                }
                if (goldenGrads) {
                    for (String n : new ArrayList<>(grads.keySet())) {
                        String ref = step == 1 ? "A.grad." + n : "opt.grad2." + n;
                        if (g.hasDenseOrSparse(ref)) {
                            grads.put(n, g.dense(ref, s.params().get(n).shape()));
                        }
                    }
                }
                for (String n : opt.names()) {
                    if (grads.containsKey(n)) {
                        decay.computeIfAbsent(n, k -> new double[2])[step - 1] = (float) (1 - opt.lr(n) * opt.weightDecay(n));
                    }
                }
                try (NDManager scope = m.newSubManager()) {
                    Map<String, NDArray> arrays = new HashMap<>();
                    grads.forEach((n, v) -> arrays.put(n, scope.create(v, new Shape(s.params().get(n).shape()))));
                    opt.step(arrays);
                }
                for (Map.Entry<String, Parameter> e : s.params().all().entrySet()) {
                    String n = e.getKey();
                    String key = "opt.step" + step + "." + n;
                    if (!g.hasDenseOrSparse(key)) {
                        continue;
                    }
                    long[] shape = e.getValue().shape();
                    float[] expected = g.stepWeights(key, shape, initial.get(n), decay.get(n), step);
                    boolean keyBias = g.has("opt.grad2." + n);
                    double atol = !goldenGrads && keyBias ? KEY_BIAS_ATOL : STEP_ATOL;
                    Result r = compare(tag + key.substring(4), e.getValue().data().toFloatArray(), expected, shape, atol, 0);
                    results.add(keyBias && !goldenGrads ? new Result(r.tensor(), r.shape(), r.maxAbsError(), r.tolerance(),
                            r.pass(), "key bias (exact gradient 0)") : r);
                }
            }
        }
    }

    private static boolean allZero(float[] a) {
        for (float v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    static Result compare(String name, float[] got, float[] ref, long[] shape, double atol, double rtol) {
        if (got.length != ref.length) {
            return new Result(name, shape, Double.POSITIVE_INFINITY, "", false, got.length + " values vs " + ref.length);
        }
        double signed = ModelCheck.maxAbsError(got, ref, atol, rtol);
        double maxErr = Math.abs(signed);
        boolean pass = signed >= 0;
        String tol = rtol == 0 ? String.format("%.0e", atol) : String.format("%.0e + %.0e*|ref|", atol, rtol);
        return new Result(name, shape, maxErr, tol, pass, "");
    }

    /** Access to the golden tensors, recording which were used. */
    private static final class Golden {
        private final Safetensors st;
        private final Set<String> used;

        Golden(Safetensors st, Set<String> used) {
            this.st = st;
            this.used = used;
        }

        boolean has(String n) {
            return st.contains(n);
        }

        boolean hasDenseOrSparse(String n) {
            return st.contains(n) || st.contains(n + ".rows");
        }

        long[] shape(String n) {
            return st.info(n).shape();
        }

        float[] floats(String n) {
            used.add(n);
            return st.floats(n);
        }

        NDArray array(NDManager m, String n) {
            used.add(n);
            return st.array(m, n);
        }

        /** A dense golden of {@code shape}: stored as is, or as .rows / .values with every other row 0. */
        float[] dense(String n, long[] shape) {
            if (st.contains(n)) {
                return floats(n);
            }
            return scatter(n, shape, new float[(int) numel(shape)]);
        }

        /**
         * Expected weights after {@code step} steps: stored densely, or sparse rows over the initial weights decayed
         * by the float32 factors of each step (rows without gradient: m = v = 0, only the decay moves them).
         */
        float[] stepWeights(String n, long[] shape, float[] initial, double[] decay, int step) {
            if (st.contains(n)) {
                return floats(n);
            }
            float[] base = initial.clone();
            if (decay != null) {
                for (int k = 0; k < step; k++) {
                    float f = (float) decay[k];
                    for (int i = 0; i < base.length; i++) {
                        base[i] = base[i] * f;
                    }
                }
            }
            return scatter(n, shape, base);
        }

        private float[] scatter(String n, long[] shape, float[] into) {
            long[] rows = st.longs(n + ".rows");
            float[] values = floats(n + ".values");
            used.add(n + ".rows");
            int width = (int) (numel(shape) / shape[0]);
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(values, r * width, into, (int) rows[r] * width, width);
            }
            return into;
        }

        private static long numel(long[] shape) {
            long k = 1;
            for (long d : shape) {
                k *= d;
            }
            return k;
        }
    }
}
