package org.scribbleseg.engine.nn.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.scribbleseg.engine.nn.Parameter;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsException;
import org.scribbleseg.engine.nn.SafetensorsWriter;

/**
 * AdamW with parameter groups and saved state, numerically as PyTorch's {@code torch.optim.AdamW} single-tensor
 * implementation (the CPU default): per parameter with a gradient, t = its own step count + 1,
 * <pre>
 * p = p * (1 - lr*wd)                       (skipped when wd == 0)
 * m = m + (1 - beta1) * (g - m)
 * v = v * beta2 + (1 - beta2) * g * g
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * tensor arithmetic in float32, scalars in double rounded to float32 when applied. Parameters without a gradient
 * in a step (absent from the map, see {@link org.scribbleseg.engine.nn.GradTape#gradients}) are skipped entirely,
 * no weight decay, as torch skips {@code .grad is None}.
 *
 * <p><b>Groups.</b> Ordered name rules, first match wins (as mmcv's {@code paramwise_cfg}); a rule sets the lr
 * multiplier and weight-decay multiplier of its group; unmatched parameters are in group "default" (1, 1). Group lr
 * = base lr × lr_mult × schedule factor; group wd = base wd × decay_mult. Only the parameters trainable when the
 * optimizer is built take part.
 *
 * <p><b>State.</b> m, v and the step count of each parameter, plus the number of optimizer steps taken (which
 * drives the {@link LrSchedule}); {@link #saveState} / {@link #loadState} write / read them as one safetensors file
 * ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}, {@code step.<name>}; metadata: steps taken and the
 * hyper-parameters, checked on load) so a checkpoint resumes exactly. Close the optimizer to free its state.
 */
public final class AdamW implements AutoCloseable {

    /** One ordered group rule. */
    public record Rule(String group, Predicate<String> matches, double lrMult, double decayMult) {
    }

    /** A group as applied to one parameter. */
    public record Group(String name, double lrMult, double decayMult) {
    }

    private final Map<String, Parameter> params;
    private final Map<String, Group> groupOf = new LinkedHashMap<>();
    private final double lr;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final LrSchedule schedule;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    private long stepsDone;

    private AdamW(Builder b) {
        this.params = b.params.trainable();
        this.lr = b.lr;
        this.weightDecay = b.weightDecay;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.schedule = b.schedule;
        this.manager = params.isEmpty() ? NDManager.newBaseManager()
                : NDManager.newBaseManager(params.values().iterator().next().data().getDevice());
        for (String n : params.keySet()) {
            Group g = new Group("default", 1.0, 1.0);
            for (Rule r : b.rules) {
                if (r.matches().test(n)) {
                    g = new Group(r.group(), r.lrMult(), r.decayMult());
                    break;
                }
            }
            groupOf.put(n, g);
        }
    }

    public static Builder builder(Params params) {
        return new Builder(params);
    }

    /** Builder; defaults lr 1e-3, weight decay 0.01, betas (0.9, 0.999), eps 1e-8 (torch's defaults), no schedule. */
    public static final class Builder {
        private final Params params;
        private final List<Rule> rules = new ArrayList<>();
        private double lr = 1e-3;
        private double weightDecay = 1e-2;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private LrSchedule schedule = LrSchedule.CONSTANT;

        private Builder(Params params) {
            this.params = params;
        }

        public Builder lr(double v) {
            this.lr = v;
            return this;
        }

        public Builder weightDecay(double v) {
            this.weightDecay = v;
            return this;
        }

        public Builder betas(double b1, double b2) {
            this.beta1 = b1;
            this.beta2 = b2;
            return this;
        }

        public Builder eps(double v) {
            this.eps = v;
            return this;
        }

        public Builder schedule(LrSchedule s) {
            this.schedule = s;
            return this;
        }

        /** Adds a rule after the ones already added (first match wins). */
        public Builder rule(String group, Predicate<String> matches, double lrMult, double decayMult) {
            rules.add(new Rule(group, matches, lrMult, decayMult));
            return this;
        }

        public AdamW build() {
            if (!(lr >= 0) || !(weightDecay >= 0) || !(eps > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "invalid AdamW settings lr %s, wd %s, betas (%s, %s), eps %s", lr, weightDecay, beta1, beta2, eps));
            }
            return new AdamW(this);
        }
    }

    /** The group of a parameter (by name). */
    public Group group(String name) {
        Group g = groupOf.get(name);
        if (g == null) {
            throw new IllegalArgumentException("'" + name + "' is not a parameter of this optimizer");
        }
        return g;
    }

    /** The learning rate the next step uses for parameter {@code name} (double, as torch computes it). */
    public double lr(String name) {
        return lr * group(name).lrMult() * schedule.factor(stepsDone);
    }

    /** Weight decay of parameter {@code name}. */
    public double weightDecay(String name) {
        return weightDecay * group(name).decayMult();
    }

    /** Optimizer steps taken so far. */
    public long stepsDone() {
        return stepsDone;
    }

    /** The names this optimizer updates (trainable when it was built), in order. */
    public List<String> names() {
        return new ArrayList<>(params.keySet());
    }

    /**
     * One step with the gradients {@code grads} (name -> dL/dp, e.g. from a tape): parameters of this optimizer
     * without an entry are skipped; names that are not parameters of this optimizer fail.
     */
    public void step(Map<String, NDArray> grads) {
        for (String n : grads.keySet()) {
            if (!params.containsKey(n)) {
                throw new IllegalArgumentException("gradient for '" + n + "', which this optimizer does not update");
            }
        }
        double factor = schedule.factor(stepsDone);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray g = grads.get(e.getKey());
                if (g != null) {
                    update(e.getKey(), e.getValue().data(), g, factor);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        stepsDone++;
    }

    private void update(String name, NDArray p, NDArray g, double factor) {
        if (!g.getShape().equals(p.getShape())) {
            throw new IllegalArgumentException(name + ": gradient " + g.getShape() + " != parameter " + p.getShape());
        }
        Group grp = groupOf.get(name);
        double lrNow = lr * grp.lrMult() * factor;
        double wd = weightDecay * grp.decayMult();
        NDArray m = expAvg.computeIfAbsent(name, k -> manager.zeros(p.getShape()));
        NDArray v = expAvgSq.computeIfAbsent(name, k -> manager.zeros(p.getShape()));
        long t = steps.merge(name, 1L, Long::sum);
        if (wd != 0) {
            p.muli((float) (1 - lrNow * wd));
        }
        try (NDArray d = g.sub(m)) {
            m.addi(d.muli((float) (1 - beta1)));
        }
        try (NDArray gg = g.mul(g)) {
            v.muli((float) beta2).addi(gg.muli((float) (1 - beta2)));
        }
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        double stepSize = lrNow / bc1;
        try (NDArray denom = v.sqrt(); NDArray upd = m.div(denom.divi((float) Math.sqrt(bc2)).addi((float) eps))) {
            p.addi(upd.muli((float) -stepSize));
        }
    }

    /** Writes m, v, per-parameter step counts and the steps taken to a safetensors file (atomically). */
    public void saveState(Path file) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("optimizer", "AdamW")
                .metadata("steps_done", Long.toString(stepsDone)).metadata("hyper", hyper());
        for (String n : params.keySet()) {
            NDArray m = expAvg.get(n);
            if (m == null) {
                continue;
            }
            long[] shape = m.getShape().getShape();
            w.put("exp_avg." + n, shape, m.toFloatArray());
            w.put("exp_avg_sq." + n, shape, expAvgSq.get(n).toFloatArray());
            w.put("step." + n, new long[] {1}, new long[] {steps.get(n)});
        }
        w.write(file);
    }

    /** Restores what {@link #saveState} wrote; the hyper-parameters and parameter shapes must match. */
    public void loadState(Path file) {
        try (Safetensors st = Safetensors.open(file)) {
            String h = st.metadata().get("hyper");
            if (!"AdamW".equals(st.metadata().get("optimizer")) || h == null) {
                throw new SafetensorsException(file + ": not an AdamW state file");
            }
            if (!h.equals(hyper())) {
                throw new SafetensorsException(file + ": optimizer settings differ (saved " + h + ", now " + hyper() + ")");
            }
            for (String n : st.names()) {
                if (n.startsWith("step.") && !params.containsKey(n.substring(5))) {
                    throw new SafetensorsException(file + ": state for '" + n.substring(5) + "', not a parameter here");
                }
            }
            expAvg.values().forEach(NDArray::close);
            expAvgSq.values().forEach(NDArray::close);
            expAvg.clear();
            expAvgSq.clear();
            steps.clear();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                String n = e.getKey();
                if (!st.contains("step." + n)) {
                    continue;
                }
                NDArray m = st.array(manager, "exp_avg." + n);
                NDArray v = st.array(manager, "exp_avg_sq." + n);
                if (!m.getShape().equals(e.getValue().data().getShape())) {
                    throw new SafetensorsException(file + ": state of '" + n + "' has shape " + m.getShape()
                            + ", parameter " + e.getValue().data().getShape());
                }
                expAvg.put(n, m);
                expAvgSq.put(n, v);
                steps.put(n, st.longs("step." + n)[0]);
            }
            stepsDone = Long.parseLong(st.metadata().getOrDefault("steps_done", "0"));
        }
    }

    private String hyper() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "lr=%s wd=%s betas=%s,%s eps=%s", lr, weightDecay,
                beta1, beta2, eps));
        Map<String, Group> groups = new LinkedHashMap<>();
        groupOf.values().forEach(g -> groups.putIfAbsent(g.name(), g));
        groups.values().forEach(g -> sb.append(String.format(Locale.ROOT, " %s=%s/%s", g.name(), g.lrMult(), g.decayMult())));
        return sb.toString();
    }

    @Override
    public void close() {
        manager.close();
    }
}
