package org.scribbleseg.engine.train;

import java.util.Objects;
import java.util.function.Supplier;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;

/**
 * One image's contribution to the live head's training set: its feature map and its labels at image resolution
 * (value = class label value, e.g. the VOC index; {@link LabelMap#VOID} = not labelled, never sampled).
 *
 * <p>Two forms. {@link #TrainingImage(String, long, FeatureMap, LabelMap, double) Eager}: both maps held. {@link #lazy
 * Lazy}: both are fetched only when the trainer needs them (a new revision to sample, or feature rows it has not read
 * yet), so a project with hundreds of labelled 12 MP images does not hold hundreds of label and feature maps; then
 * {@code source} says when two lazy images are the same data (the trainer keeps its samples while it is the same).
 *
 * <p>{@code id}: stable image id (sample caching key together with {@code revision}); {@code revision}: annotation
 * revision of the labels (the trainer re-samples an image only when it changes); {@code weight}: per-pixel loss
 * weight (1 for human labels, {@link WeakLabelHead#PSEUDO_WEIGHT} for pseudo-masks).
 */
public final class TrainingImage {
    private final String id;
    private final long revision;
    private final FeatureMap features;
    private final LabelMap labels;
    private final Supplier<FeatureMap> lazyFeatures;
    private final Supplier<LabelMap> lazyLabels;
    private final Object source;
    private final int width;
    private final int height;
    private final double weight;

    public TrainingImage(String id, long revision, FeatureMap features, LabelMap labels, double weight) {
        this(id, revision, Objects.requireNonNull(features, "features"), Objects.requireNonNull(labels, "labels"), null, null,
                null, labels.width(), labels.height(), weight);
    }

    private TrainingImage(String id, long revision, FeatureMap features, LabelMap labels, Supplier<FeatureMap> lazyFeatures,
            Supplier<LabelMap> lazyLabels, Object source, int width, int height, double weight) {
        this.id = Objects.requireNonNull(id, "id");
        if (!(weight > 0)) {
            throw new IllegalArgumentException("weight must be > 0: " + weight);
        }
        this.revision = revision;
        this.features = features;
        this.labels = labels;
        this.lazyFeatures = lazyFeatures;
        this.lazyLabels = lazyLabels;
        this.source = source;
        this.width = width;
        this.height = height;
        this.weight = weight;
    }

    /**
     * An image whose maps are fetched when needed. The suppliers must not hold the maps themselves (that is the
     * point); {@code source} must be equal for two lazy images exactly when their labels and features are the same.
     */
    public static TrainingImage lazy(String id, long revision, Object source, int width, int height,
            Supplier<FeatureMap> features, Supplier<LabelMap> labels, double weight) {
        return new TrainingImage(id, revision, null, null, Objects.requireNonNull(features, "features"),
                Objects.requireNonNull(labels, "labels"), Objects.requireNonNull(source, "source"), width, height, weight);
    }

    public String id() {
        return id;
    }

    public long revision() {
        return revision;
    }

    /** The feature map (any grid; sampled bilinearly at pixel centres); fetched now for a lazy image. */
    public FeatureMap features() {
        return features != null ? features : Objects.requireNonNull(lazyFeatures.get(), "features of " + id);
    }

    /** The labels at image resolution; fetched now for a lazy image. */
    public LabelMap labels() {
        if (labels != null) {
            return labels;
        }
        LabelMap l = Objects.requireNonNull(lazyLabels.get(), "labels of " + id);
        if (l.width() != width || l.height() != height) {
            throw new IllegalStateException("labels of " + id + " are " + l.width() + "x" + l.height() + ", expected " + width + "x" + height);
        }
        return l;
    }

    public double weight() {
        return weight;
    }

    public int imageWidth() {
        return width;
    }

    public int imageHeight() {
        return height;
    }

    /** Whether this is the same data as {@code other} (same maps when eager, equal sources when lazy). */
    public boolean sameData(TrainingImage other) {
        if (revision != other.revision || weight != other.weight) {
            return false;
        }
        if (source != null || other.source != null) {
            return Objects.equals(source, other.source);
        }
        return features == other.features && labels == other.labels;
    }

    @Override
    public String toString() {
        return "TrainingImage[" + id + " r" + revision + (source != null ? " lazy" : "") + " " + width + "x" + height + " w" + weight + "]";
    }
}
