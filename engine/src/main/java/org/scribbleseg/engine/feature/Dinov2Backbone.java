package org.scribbleseg.engine.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * Frozen DINOv2 features: the image is resized (aspect kept) so its long side is {@code resolution} pixels and both
 * sides are multiples of 14, normalized with ImageNet mean/std, and the final-normed patch tokens are returned as a
 * [C, h, w] map. Key e.g. {@code dinov2-small@518}.
 */
public final class Dinov2Backbone extends VitBackbone {
    public static final int DEFAULT_RESOLUTION = 518;

    private final Dinov2Model model;

    /** Loads the model folder (config.json + model.safetensors); {@code name} is e.g. "dinov2-small". */
    public static Dinov2Backbone load(String name, Path modelDir, int resolution) {
        NDManager m = NDManager.newBaseManager(org.scribbleseg.engine.gpu.ProcessDevice.get());
        try {
            return new Dinov2Backbone(name, Dinov2Model.load(modelDir, m), m, resolution);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Takes ownership of {@code model} and {@code manager} (closed with the backbone). */
    public Dinov2Backbone(String name, Dinov2Model model, NDManager manager, int resolution) {
        super(name, resolution, model.config().patchSize(), VitPreprocess.IMAGENET_MEAN, VitPreprocess.IMAGENET_STD,
                manager, model);
        this.model = model;
    }

    @Override
    public int channels() {
        return model.config().hiddenSize();
    }

    @Override
    FeatureMap extract(NDArray x) {
        Dinov2Model.Output o = model.forward(x, false);
        return new FeatureMap(channels(), o.gridH(), o.gridW(), o.patchMap(0).toFloatArray());
    }
}
