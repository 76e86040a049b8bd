package org.scribbleseg.engine.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * Shared frame of the ViT backbones: key {@code name@resolution}, preprocessing (aspect-kept resize to a long side
 * of {@code resolution} in patch multiples, per-channel normalization), one forward in a scoped NDManager so
 * nothing outlives the call, and ownership of the model's manager. One extraction at a time (synchronized).
 */
abstract class VitBackbone implements Backbone {
    private final String name;
    private final int resolution;
    private final int patch;
    private final float[] mean;
    private final float[] std;
    private final NDManager manager;
    private final AutoCloseable model;

    VitBackbone(String name, int resolution, int patch, float[] mean, float[] std, NDManager manager, AutoCloseable model) {
        if (resolution < patch) {
            throw new IllegalArgumentException("resolution " + resolution + " below the patch size " + patch);
        }
        this.name = name;
        this.resolution = resolution;
        this.patch = patch;
        this.mean = mean;
        this.std = std;
        this.manager = manager;
        this.model = model;
    }

    /** Runs the model on {@code x} [1, 3, h, w] (owned by a scope that is closed after this returns). */
    abstract FeatureMap extract(NDArray x);

    @Override
    public final String key() {
        return name + "@" + resolution;
    }

    @Override
    public final int stride() {
        return patch;
    }

    public final int resolution() {
        return resolution;
    }

    @Override
    public final synchronized FeatureMap features(RgbImage image) {
        VitPreprocess.Input in = VitPreprocess.prepare(image, resolution, patch, mean, std);
        try (NDManager scope = manager.newSubManager()) {
            return extract(scope.create(in.chw(), new Shape(1, 3, in.height(), in.width())));
        }
    }

    @Override
    public final synchronized void close() {
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + key() + ": " + e.getMessage(), e);
        } finally {
            manager.close();
        }
    }
}
