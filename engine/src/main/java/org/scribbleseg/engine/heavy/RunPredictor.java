package org.scribbleseg.engine.heavy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.predict.Predictor;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.RunRecord;

/**
 * The model of a finished heavy run as a {@link Predictor} (inference in the engine's JVM, on the CPU, no
 * GradientCollector). {@code conv-probe} here; other methods through their factory's {@link HeavyJobFactory#predictor} (SemiVL);
 * {@code ddep} ({@link DdepPredictor}, "sharp decoder") over the live backbone's cached features.
 */
public final class RunPredictor implements Predictor {
    private final RunRecord run;
    private final ConvProbeJob model;
    private final Function<ImageEntry, RgbImage> images;

    private RunPredictor(RunRecord run, ConvProbeJob model, Function<ImageEntry, RgbImage> images) {
        this.run = run;
        this.model = model;
        this.images = images;
    }

    /** The predictor of a done run, when its method has one (conv-probe only: no features at hand). */
    public static Optional<Predictor> of(RunRecord run, Function<ImageEntry, RgbImage> images) throws IOException {
        return of(run, images, null, null);
    }

    /**
     * The predictor of a done run, when its method has one; {@code features} (the live backbone's, cached) and its
     * {@code backboneKey} serve models over a backbone (ddep), which predict only when trained on that backbone.
     */
    public static Optional<Predictor> of(RunRecord run, Function<ImageEntry, RgbImage> images,
            Function<ImageEntry, org.scribbleseg.engine.feature.FeatureMap> features, String backboneKey) throws IOException {
        if (!RunRecord.DONE.equals(run.state()) || run.checkpoint() == null) {
            return Optional.empty();
        }
        if (DdepJob.METHOD.equals(run.method())) {
            return features == null ? Optional.empty()
                    : DdepPredictor.of(run, Checkpoint.read(Path.of(run.checkpoint())), images, features, backboneKey);
        }
        if (ConvProbeJob.METHOD.equals(run.method())) {
            return Optional.of(new RunPredictor(run, ConvProbeJob.forInference(Checkpoint.read(Path.of(run.checkpoint()))), images));
        }
        HeavyJobFactory f = HeavyJobs.all().get(run.method());
        return f == null ? Optional.empty() : f.predictor(run, Checkpoint.read(Path.of(run.checkpoint())), images);
    }

    /**
     * The images a run held out of its training (its checkpoint's {@code held_out} ids, SemiVL: every fifth accepted
     * mask): the predictor switch may score the run on them although they were accepted before it started.
     */
    public static java.util.Set<Long> heldOut(RunRecord run) {
        if (run.checkpoint() == null) {
            return java.util.Set.of();
        }
        Path state = Path.of(run.checkpoint()).resolve(Checkpoint.STATE);
        try {
            var ids = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state.toFile()).path("held_out");
            java.util.Set<Long> out = new java.util.HashSet<>();
            ids.forEach(n -> out.add(n.asLong()));
            return out;
        } catch (IOException e) {
            return java.util.Set.of();
        }
    }

    @Override
    public String id() {
        return "run:" + run.id();
    }

    @Override
    public String description() {
        return run.method() + " run " + run.id().substring(Math.min(run.id().length(), run.method().length() + 1));
    }

    @Override
    public synchronized Prediction predict(ImageEntry e, boolean withMaps) {
        RgbImage img = images.apply(e);
        int size = model.gridSize();
        int[] values = model.classValues();
        float[][] p = model.predictProbabilities(ProjectSamples.cellsRgb(img, size));
        int cells = size * size;
        int[] best = new int[cells];
        float[] conf = new float[cells];
        float[] unc = new float[cells];
        double meanUnc = 0;
        for (int i = 0; i < cells; i++) {
            float p1 = -1;
            float p2 = -1;
            for (int c = 0; c < values.length; c++) {
                float v = p[c][i];
                if (v > p1) {
                    p2 = p1;
                    p1 = v;
                    best[i] = c;
                } else if (v > p2) {
                    p2 = v;
                }
            }
            conf[i] = p1;
            unc[i] = 1 - (p1 - Math.max(p2, 0));
            meanUnc += unc[i];
        }
        int w = e.width();
        int h = e.height();
        byte[] labels = new byte[w * h];
        byte[] confidence = withMaps ? new byte[w * h] : null;
        byte[] uncertainty = withMaps ? new byte[w * h] : null;
        for (int y = 0; y < h; y++) {
            int cy = (int) ((long) y * size / h);
            for (int x = 0; x < w; x++) {
                int cell = cy * size + (int) ((long) x * size / w);
                labels[y * w + x] = (byte) values[best[cell]];
                if (withMaps) {
                    confidence[y * w + x] = (byte) Math.round(conf[cell] * 255);
                    uncertainty[y * w + x] = (byte) Math.round(unc[cell] * 255);
                }
            }
        }
        return new Prediction(new LabelMap(w, h, labels), confidence, uncertainty, (float) (meanUnc / cells));
    }

    @Override
    public synchronized void close() {
        model.close();
    }
}
