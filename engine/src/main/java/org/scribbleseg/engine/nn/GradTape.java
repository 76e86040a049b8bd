package org.scribbleseg.engine.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One recorded forward + backward pass on DJL's PyTorch autograd.
 *
 * <pre>{@code
 * try (GradTape tape = model.params().record()) {
 *     NDArray x = tape.input(pixels);                 // optional: to read dL/dx
 *     NDArray loss = lossOf(model.forward(x, false));
 *     tape.backward(loss);
 *     Map<String, NDArray> g = tape.gradients();      // only parameters the loss reached
 *     optimizer.step(g);                              // in place, before the tape closes
 * }
 * }</pre>
 *
 * <p>Opening a tape aliases every trainable parameter (same storage, fresh autograd leaf) and opens DJL's
 * {@link GradientCollector}, which turns grad mode on for this thread. DJL allows <b>one collector per JVM at a
 * time</b>: a second concurrent {@code record()} anywhere in the process fails with {@link IllegalStateException}.
 * Training therefore runs one tape at a time per process (the heavy worker is its own process). Closing the tape
 * frees the aliases and their gradients; copy anything that must outlive it.
 */
public final class GradTape implements AutoCloseable {
    private final NDManager manager;
    private final GradientCollector collector;
    private final Map<String, Parameter> recorded;
    private final List<NDArray> inputs = new ArrayList<>();
    private Map<String, NDArray> gradients;
    private boolean backwardDone;

    private GradTape(Map<String, Parameter> recorded, NDManager manager, GradientCollector collector) {
        this.recorded = recorded;
        this.manager = manager;
        this.collector = collector;
    }

    static GradTape open(Params params) {
        Map<String, Parameter> trainable = params.trainable();
        NDManager m = trainable.isEmpty() ? NDManager.newBaseManager()
                : NDManager.newBaseManager(trainable.values().iterator().next().data().getDevice());
        GradientCollector c;
        try {
            c = Engine.getInstance().newGradientCollector();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        GradTape t = new GradTape(trainable, m, c);
        for (Parameter p : trainable.values()) {
            NDArray a = p.data().stopGradient(); // shares storage, new autograd leaf without .grad
            a.attach(m);
            a.setRequiresGradient(true);
            p.alias(a);
        }
        return t;
    }

    /** An alias of {@code x} (same values) that collects dL/dx; use it in the forward in place of {@code x}. */
    public NDArray input(NDArray x) {
        NDArray a = x.stopGradient();
        a.attach(manager);
        a.setRequiresGradient(true);
        inputs.add(a);
        return a;
    }

    /** A zeros tensor of {@code shape} that collects a gradient: add it to an intermediate to read dL/d(that). */
    public NDArray probe(ai.djl.ndarray.types.Shape shape) {
        NDArray z = manager.zeros(shape);
        z.setRequiresGradient(true);
        inputs.add(z);
        return z;
    }

    /** Backward from a scalar loss (gradient 1). Once per tape. */
    public void backward(NDArray loss) {
        if (backwardDone) {
            throw new IllegalStateException("backward already ran on this tape");
        }
        if (loss.size() != 1) {
            throw new IllegalArgumentException("loss must be a scalar, got " + loss.getShape());
        }
        collector.backward(loss);
        backwardDone = true;
    }

    /**
     * dL/dp for every recorded parameter the loss reached, by name, in parameter order; parameters without a
     * gradient (not reached, like DINOv2's mask_token without masks) are absent. Owned by the tape.
     */
    public Map<String, NDArray> gradients() {
        if (!backwardDone) {
            throw new IllegalStateException("no backward yet");
        }
        if (gradients == null) {
            Map<String, NDArray> g = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : recorded.entrySet()) {
                NDArray grad = gradOf(e.getValue().alias());
                if (grad != null) {
                    g.put(e.getKey(), grad);
                }
            }
            gradients = Collections.unmodifiableMap(g);
        }
        return gradients;
    }

    /** The gradient of an {@link #input} or {@link #probe} array, or null when the loss did not reach it. */
    public NDArray gradientOf(NDArray inputOrProbe) {
        if (!inputs.contains(inputOrProbe)) {
            throw new IllegalArgumentException("not an input of this tape");
        }
        return gradOf(inputOrProbe);
    }

    private NDArray gradOf(NDArray a) {
        PtNDArray g = JniUtils.getGradient((PtNDArray) a);
        if (g != null) {
            g.attach(manager);
        }
        return g;
    }

    /** The names this tape records (the trainable parameters when it opened). */
    public java.util.Set<String> recordedNames() {
        return recorded.keySet();
    }

    @Override
    public void close() {
        for (Parameter p : recorded.values()) {
            p.alias(null);
        }
        try {
            collector.close();
        } finally {
            manager.close();
        }
    }
}
