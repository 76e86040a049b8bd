package org.scribbleseg.engine.eval;

import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;

/** An image with dense ground truth (255 = void), for benchmarks. */
public record LabeledImage(String id, RgbImage image, LabelMap truth) {
    public LabeledImage {
        if (image.width() != truth.width() || image.height() != truth.height()) {
            throw new IllegalArgumentException(id + ": image " + image.width() + "x" + image.height() + " but truth "
                    + truth.width() + "x" + truth.height());
        }
    }
}
