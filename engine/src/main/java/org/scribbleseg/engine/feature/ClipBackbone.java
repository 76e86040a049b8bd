package org.scribbleseg.engine.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * Frozen CLIP features: MaskCLIP dense patch embeddings (joint image-text space, not L2-normalized) of the image
 * resized (aspect kept) to a long side of {@code resolution} pixels in multiples of the patch size, with CLIP's
 * mean/std. Returns a [D, h, w] map. Loads only the vision tower.
 */
public final class ClipBackbone extends VitBackbone {
    public static final int DEFAULT_RESOLUTION = 448;

    private final ClipModel model;

    public static ClipBackbone load(String name, Path modelDir, int resolution) {
        NDManager m = NDManager.newBaseManager(org.scribbleseg.engine.gpu.ProcessDevice.get());
        try {
            return new ClipBackbone(name, ClipModel.load(modelDir, m, false), m, resolution);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Takes ownership of {@code model} and {@code manager}. */
    public ClipBackbone(String name, ClipModel model, NDManager manager, int resolution) {
        super(name, resolution, model.config().patchSize(), VitPreprocess.CLIP_MEAN, VitPreprocess.CLIP_STD, manager,
                model);
        this.model = model;
    }

    @Override
    public int channels() {
        return model.config().projectionDim();
    }

    @Override
    FeatureMap extract(NDArray x) {
        ClipModel.VisionOutput o = model.encodeImage(x, false, true);
        NDArray dense = o.denseEmbeds().get(0); // [N, D]
        long d = dense.getShape().get(1);
        float[] data = dense.transpose(1, 0).reshape(d, o.gridH(), o.gridW()).toFloatArray();
        return new FeatureMap((int) d, o.gridH(), o.gridW(), data);
    }
}
