package org.scribbleseg.engine.predict;

import org.scribbleseg.engine.project.ImageEntry;

/**
 * Something that predicts an image's mask: the live head, or the model of a heavy run. The overlay, the
 * {@code predicted} export and the uncertainty view take their masks from the engine's current predictor
 * ({@link org.scribbleseg.engine.Engine#predictorStatus}); {@link org.scribbleseg.engine.eval.PredictorChoice} decides when a heavy one takes
 * over.
 */
public interface Predictor extends AutoCloseable {
    /** Stable id: {@code live-head}, or {@code run:<run-id>}. */
    String id();

    /** For the user: what model this is ("live head on classic-v1@s4", "conv-probe run …"). */
    String description();

    /** The mask (label values = VOC indices), with per-pixel confidence and uncertainty when {@code withMaps}. */
    Prediction predict(ImageEntry image, boolean withMaps);

    @Override
    default void close() {
    }
}
