package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * One named weight of a trainable module. {@link #data()} is the stored tensor (never itself a leaf of an autograd
 * graph, so the optimizer can update it in place); while a {@link GradTape} records, a trainable parameter is
 * replaced in the forward by a fresh alias of the same storage that requires a gradient ({@link #value()}), so each
 * recording starts with no gradient, exactly as PyTorch's {@code zero_grad(set_to_none=True)}: a parameter the loss
 * does not reach has no gradient at all (and the optimizer skips it), not a zero one.
 */
public final class Parameter {
    private final String name;
    private NDArray data;
    private boolean trainable = true;
    private NDArray alias;

    Parameter(String name, NDArray data) {
        this.name = name;
        this.data = data;
    }

    public String name() {
        return name;
    }

    /** The stored tensor (owned by the module's manager). Update it only in place, outside a recording. */
    public NDArray data() {
        return data;
    }

    /** The tensor the forward pass uses: the recording alias when a tape records this parameter, else the data. */
    public NDArray value() {
        return alias != null ? alias : data;
    }

    public boolean trainable() {
        return trainable;
    }

    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    public long[] shape() {
        return data.getShape().getShape();
    }

    public long size() {
        return data.size();
    }

    /** Copies {@code values} into the stored tensor in place (shape must match). */
    public void set(NDArray values) {
        if (!values.getShape().equals(data.getShape())) {
            throw new IllegalArgumentException(name + ": shape " + values.getShape() + " != " + data.getShape());
        }
        data.set(values.toFloatArray());
    }

    void alias(NDArray a) {
        this.alias = a;
    }

    NDArray alias() {
        return alias;
    }

    @Override
    public String toString() {
        return name + " " + data.getShape() + (trainable ? "" : " (frozen)");
    }
}
