package org.scribbleseg.engine.predict;

import java.util.Set;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.train.DdepTrainer;

/**
 * Predictions of a fine-tuned DDeP decoder ({@link DdepTrainer#logits}) with the live head's post-processing
 * ({@link HeadPredictor#fromGridLogits}: softmax, argmax label values, confidence and uncertainty maps, classes
 * tagged absent excluded).
 */
public final class DecoderPredictor {
    private final DdepTrainer trainer;
    private final HeadPredictor post = new HeadPredictor(false);

    public DecoderPredictor(DdepTrainer trainer) {
        this.trainer = trainer;
    }

    /** @param absent class label values tagged absent on the image (null: none) */
    public Prediction predict(RgbImage image, FeatureMap features, Set<Integer> absent) {
        float[] logits = trainer.logits(image, features);
        int w = image.width();
        int h = image.height();
        return post.fromGridLogits(logits, trainer.classValues(), h, w, w, h, absent, true);
    }

    public Prediction predict(RgbImage image, FeatureMap features) {
        return predict(image, features, null);
    }
}
