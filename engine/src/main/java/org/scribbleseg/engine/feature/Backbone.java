package org.scribbleseg.engine.feature;

import org.scribbleseg.engine.image.RgbImage;

/**
 * A frozen feature extractor: image in, dense feature map out. Implementations: the classic OpenCV filter bank,
 * DINOv2, CLIP (MaskCLIP dense path), a project ViT. Thread-safety: one call at a time per instance unless the
 * implementation says otherwise.
 */
public interface Backbone extends AutoCloseable {

    /**
     * Identifies the weights and every setting that changes the output (model, resolution, stride...), e.g.
     * {@code "dinov2-small@518"} or {@code "classic-v1@s4"}. Feature caches are keyed by it.
     */
    String key();

    /** Number of feature channels C. */
    int channels();

    /** Nominal pixels per feature cell at full resolution (14 for DINOv2 at native size, 1 for full-res classic). */
    int stride();

    /** The feature map of a whole image. The grid may be coarser than the image; see {@link FeatureMap}. */
    FeatureMap features(RgbImage image);

    @Override
    default void close() {
    }
}
