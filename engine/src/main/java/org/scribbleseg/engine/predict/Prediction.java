package org.scribbleseg.engine.predict;

import org.scribbleseg.engine.image.LabelMap;

/**
 * A predicted mask at image resolution.
 *
 * @param labels          argmax label values (the head's class values; never {@link LabelMap#VOID})
 * @param confidence      per pixel, max softmax probability × 255, rounded (row-major, unsigned bytes)
 * @param uncertainty     per pixel, (1 − (p1 − p2)) × 255, rounded
 * @param meanUncertainty mean of 1 − (p1 − p2) over all pixels, in [0, 1]
 */
public record Prediction(LabelMap labels, byte[] confidence, byte[] uncertainty, float meanUncertainty) {

    /** Confidence of pixel (x, y) in [0, 1]. */
    public float confidenceAt(int x, int y) {
        return (confidence[y * labels.width() + x] & 0xff) / 255f;
    }
}
