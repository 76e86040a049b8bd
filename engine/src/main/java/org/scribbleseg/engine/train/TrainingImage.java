package org.scribbleseg.engine.train;

import java.util.Objects;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;

/**
 * One image's contribution to the live head's training set: its cached feature map and its labels at image
 * resolution (value = class label value, e.g. the VOC index; {@link LabelMap#VOID} = not labelled, never sampled).
 *
 * @param id       stable image id (sample caching key together with {@code revision})
 * @param revision annotation revision of {@code labels}; the trainer re-samples an image only when it changes
 * @param features the image's feature map (any grid; sampled bilinearly at pixel centres)
 * @param labels   labels at image resolution: scribbles/points, an accepted mask, or a pseudo-mask
 * @param weight   per-pixel loss weight (1 for human labels, {@link WeakLabelHead#PSEUDO_WEIGHT} for pseudo-masks)
 */
public record TrainingImage(String id, long revision, FeatureMap features, LabelMap labels, double weight) {
    public TrainingImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (!(weight > 0)) {
            throw new IllegalArgumentException("weight must be > 0: " + weight);
        }
    }

    public int imageWidth() {
        return labels.width();
    }

    public int imageHeight() {
        return labels.height();
    }
}
