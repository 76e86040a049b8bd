package org.scribbleseg.engine.heavy;

import java.util.Optional;
import java.util.function.Function;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.predict.Predictor;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.DdepTrainer;

/**
 * A fine-tuned {@code ddep} run as a {@link Predictor} ("sharp decoder &lt;run&gt;"): the decoder runs once over the
 * whole image with the live backbone's cached features, the live head's post-processing (confidence, uncertainty).
 */
final class DdepPredictor implements Predictor {
    private final RunRecord run;
    private final DdepTrainer decoder;
    private final org.scribbleseg.engine.predict.DecoderPredictor predictor;
    private final Function<ImageEntry, RgbImage> images;
    private final Function<ImageEntry, FeatureMap> features;

    private DdepPredictor(RunRecord run, DdepTrainer decoder, Function<ImageEntry, RgbImage> images,
            Function<ImageEntry, FeatureMap> features) {
        this.run = run;
        this.decoder = decoder;
        this.predictor = new org.scribbleseg.engine.predict.DecoderPredictor(decoder);
        this.images = images;
        this.features = features;
    }

    /** Empty when the run never fine-tuned (no labels) or trained over another backbone than {@code backboneKey}. */
    static Optional<Predictor> of(RunRecord run, Checkpoint ck, Function<ImageEntry, RgbImage> images,
            Function<ImageEntry, FeatureMap> features, String backboneKey) {
        String key = ck.state().path("backbone").asText();
        if (!key.equals(backboneKey) || ck.state().path("finetune_steps").asLong() == 0) {
            return Optional.empty();
        }
        DdepTrainer t = DdepTrainer.resume(new CachedOnly(key, channels(ck)), DdepTrainer.Config.defaults(),
                ck.file(DdepTrainer.CHECKPOINT_DECODER));
        if (t.classValues() == null) {
            t.close();
            return Optional.empty();
        }
        return Optional.of(new DdepPredictor(run, t, images, features));
    }

    private static int channels(Checkpoint ck) {
        try (org.scribbleseg.engine.nn.Safetensors st = org.scribbleseg.engine.nn.Safetensors.open(ck.file(DdepTrainer.CHECKPOINT_DECODER))) {
            return Integer.parseInt(st.metadata().get("config").split(",")[0]); // DdepDecoder.Config, featureChannels first
        }
    }

    @Override
    public String id() {
        return "run:" + run.id();
    }

    @Override
    public String description() {
        return "sharp decoder " + run.id().substring(Math.min(run.id().length(), run.method().length() + 1));
    }

    @Override
    public synchronized Prediction predict(ImageEntry e, boolean withMaps) {
        return predictor.predict(images.apply(e), features.apply(e));
    }

    @Override
    public synchronized void close() {
        decoder.close();
    }

    /** The backbone the decoder was trained on, by key and width: inference takes its features from the cache. */
    private record CachedOnly(String key, int channels) implements Backbone {
        @Override
        public int stride() {
            return 1;
        }

        @Override
        public FeatureMap features(RgbImage image) {
            throw new UnsupportedOperationException("the sharp decoder predicts from cached features");
        }
    }
}
