package org.scribbleseg.engine.semivl;

import java.util.function.Function;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.predict.Predictor;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.RunRecord;

/**
 * A finished SemiVL run as a {@link Predictor}: sliding-window inference (spec §6) in the engine's JVM on the CPU,
 * confidence = max softmax probability, uncertainty = 1 − (p1 − p2).
 */
public final class SemiVlPredictor implements Predictor {
    private final RunRecord run;
    private final SemiVlJob model;
    private final Function<ImageEntry, RgbImage> images;

    public SemiVlPredictor(RunRecord run, Checkpoint ck, Function<ImageEntry, RgbImage> images) {
        this.run = run;
        this.model = SemiVlJob.forInference(ck);
        this.images = images;
    }

    @Override
    public String id() {
        return "run:" + run.id();
    }

    @Override
    public String description() {
        return "SemiVL run " + run.id();
    }

    @Override
    public synchronized Prediction predict(ImageEntry e, boolean withMaps) {
        RgbImage img = images.apply(e);
        SemiVlJob.Dense d = model.predict(Augment.toFloat(img), img.width(), img.height());
        int[] values = model.classValues();
        int n = d.labels().length;
        byte[] labels = new byte[n];
        byte[] conf = withMaps ? new byte[n] : null;
        byte[] unc = withMaps ? new byte[n] : null;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) values[d.labels()[i]];
            float u = 1 - d.confidence()[i];
            mean += u;
            if (withMaps) {
                conf[i] = (byte) Math.round(d.confidence()[i] * 255);
                unc[i] = (byte) Math.round(u * 255);
            }
        }
        return new Prediction(new LabelMap(img.width(), img.height(), labels), conf, unc, (float) (mean / Math.max(1, n)));
    }

    @Override
    public synchronized void close() {
        model.close();
    }
}
