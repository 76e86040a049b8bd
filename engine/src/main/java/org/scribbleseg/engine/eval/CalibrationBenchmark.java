package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.predict.Calibration;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * Calibration of the live head on images nobody labelled: a simulated annotator scribbles on the training images
 * (a first pass, then corrections of the largest wrong region per image), and the expected calibration error (15
 * bins, every non-void ground-truth pixel of the held-out images) is measured for
 * <ul>
 *   <li>{@code before}: the head as the live loop trained it until now (all labels, softmax as is);
 *   <li>{@code split}: the head trained without the held-out blocks ({@link Calibration#split}), softmax as is;
 *   <li>{@code after}: that head with the temperature fitted on the held-out blocks.
 * </ul>
 * Also: the share of pixels the overlay still shows on an unlabelled image at a confidence threshold, and their
 * accuracy against the hidden ones.
 */
public final class CalibrationBenchmark {

    /** Figures of one head on the held-out images. */
    public record Figures(double ece, double accuracy, double meanConfidence, long pixels) {
        static Figures of(Calibration.Ece e) {
            return new Figures(e.value(), e.accuracy(), e.meanConfidence(), e.count());
        }
    }

    /**
     * @param temperature    fitted T
     * @param heldOutSamples held-out labelled pixels the fit used (after the {@link Calibration#MAX_SAMPLES} cap)
     * @param fitMs          time of the fit (logits of the samples + Newton steps), fastest of 5 after a warm-up
     * @param trainMs        reference in the same run: training the head once on the same labels (cold start)
     * @param warmTrainMs    reference in the same run: one warm-started retraining with the live loop's budget
     * @param shownShare     share of held-out-image pixels at calibrated confidence ≥ threshold (shown by the overlay)
     * @param shownAccuracy  accuracy of those pixels
     * @param hiddenAccuracy accuracy of the others (hidden)
     */
    public record Result(Figures before, Figures split, Figures after, double temperature, int heldOutSamples,
            double fitMs, double trainMs, double warmTrainMs, double threshold, double shownShare, double shownAccuracy, double hiddenAccuracy,
            int strokes, long labelledPixels) {
    }

    private final Backbone backbone;
    private final HeadPredictor predictor = new HeadPredictor(true);

    public CalibrationBenchmark(Backbone backbone) {
        this.backbone = backbone;
    }

    public Result run(List<LabeledImage> train, List<LabeledImage> val, int corrections, int minArea, long seed,
            double threshold, Consumer<String> log) {
        long t0 = System.nanoTime();
        List<FeatureMap> trainF = new ArrayList<>();
        for (LabeledImage im : train) {
            trainF.add(backbone.features(im.image()));
        }
        List<FeatureMap> valF = new ArrayList<>();
        for (LabeledImage im : val) {
            valF.add(backbone.features(im.image()));
        }
        log.accept(String.format("features: %d images with %s in %.1f s", train.size() + val.size(), backbone.key(),
                (System.nanoTime() - t0) / 1e9));

        WeakLabelHead.Config cfg = WeakLabelHead.Config.defaults();
        SimulatedAnnotator ann = new SimulatedAnnotator(seed, minArea);
        int n = train.size();
        LabelMap[] labels = new LabelMap[n];
        int strokes = 0;
        for (int i = 0; i < n; i++) {
            LabelMap gt = train.get(i).truth();
            labels[i] = LabelMap.unlabelled(gt.width(), gt.height());
            List<SimulatedAnnotator.SimStroke> s = ann.scribbles(gt);
            SimulatedAnnotator.rasterise(s, labels[i]);
            strokes += s.size();
        }
        LinearHead all = null;
        for (int round = 0; round <= corrections; round++) {
            all = new WeakLabelHead(cfg).train(trainingSet(train, trainF, labels));
            if (round == corrections || all == null) {
                break;
            }
            for (int i = 0; i < n; i++) {
                LabeledImage im = train.get(i);
                LabelMap pred = predictor.predictLabels(all, trainF.get(i), im.image().width(), im.image().height(), null).labels();
                SimulatedAnnotator.SimStroke fix = ann.correction(im.truth(), pred, labels[i], SimulatedAnnotator.Kind.SCRIBBLE);
                if (fix != null) {
                    StrokeRaster.paint(labels[i], fix.points(), fix.radius(), fix.classValue());
                    strokes++;
                }
            }
        }
        if (all == null) {
            throw new IllegalStateException("the simulated annotator labelled nothing");
        }
        long px = 0;
        for (LabelMap l : labels) {
            px += l.labelledCount();
        }

        // the calibrated variant: train without the held-out blocks, fit T on them
        List<TrainingImage> parts = new ArrayList<>();
        List<WeakLabelHead.Samples> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Calibration.Split sp = Calibration.split(labels[i], train.get(i).id());
            if (sp.train().labelledCount() > 0) {
                parts.add(new TrainingImage(train.get(i).id(), 1, trainF.get(i), sp.train(), 1.0));
            }
            if (sp.heldOutPixels() > 0) {
                held.add(WeakLabelHead.sample(new TrainingImage(train.get(i).id() + "#held-out", 1, trainF.get(i), sp.heldOut(), 1.0),
                        cfg.maxSamplesPerClass(), cfg.seed()));
            }
        }
        WeakLabelHead trainer = new WeakLabelHead(cfg);
        long a = System.nanoTime();
        LinearHead split = trainer.train(parts);
        long b = System.nanoTime();
        // the live loop fits after every stroke (JIT-compiled by then): the fastest of 5 fits, the first one warming up
        double t = Calibration.fitTemperature(split, held);
        long fitNs = Long.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long f0 = System.nanoTime();
            t = Calibration.fitTemperature(split, held);
            fitNs = Math.min(fitNs, System.nanoTime() - f0);
        }
        long c = System.nanoTime();
        trainer.train(parts, cfg.maxSteps(), () -> { });
        long d = System.nanoTime();
        LinearHead calibrated = Calibration.withTemperature(split, t);
        int heldOut = 0;
        for (WeakLabelHead.Samples s : held) {
            heldOut += s.size();
        }
        heldOut = Math.min(heldOut, Calibration.MAX_SAMPLES);

        Calibration.Ece eBefore = new Calibration.Ece();
        Calibration.Ece eSplit = new Calibration.Ece();
        Calibration.Ece eAfter = new Calibration.Ece();
        long shown = 0;
        long shownOk = 0;
        long hidden = 0;
        long hiddenOk = 0;
        for (int i = 0; i < val.size(); i++) {
            LabeledImage im = val.get(i);
            int w = im.image().width();
            int h = im.image().height();
            eBefore.add(predictor.predict(all, valF.get(i), w, h, null), im.truth());
            eSplit.add(predictor.predict(split, valF.get(i), w, h, null), im.truth());
            Prediction p = predictor.predict(calibrated, valF.get(i), w, h, null);
            eAfter.add(p, im.truth());
            byte[] tr = im.truth().data();
            byte[] lab = p.labels().data();
            int cut = (int) Math.ceil(threshold * 255);
            for (int q = 0; q < tr.length; q++) {
                if (tr[q] == (byte) LabelMap.VOID) {
                    continue;
                }
                boolean ok = lab[q] == tr[q];
                if ((p.confidence()[q] & 0xff) >= cut) {
                    shown++;
                    shownOk += ok ? 1 : 0;
                } else {
                    hidden++;
                    hiddenOk += ok ? 1 : 0;
                }
            }
        }
        Result r = new Result(Figures.of(eBefore), Figures.of(eSplit), Figures.of(eAfter), t, heldOut, fitNs / 1e6,
                (b - a) / 1e6, (d - c) / 1e6, threshold, (double) shown / Math.max(1, shown + hidden),
                shown == 0 ? Double.NaN : (double) shownOk / shown, hidden == 0 ? Double.NaN : (double) hiddenOk / hidden,
                strokes, px);
        log.accept(String.format("T = %.3f from %d held-out pixels (fit %.2f ms; references: head training %.1f ms cold, %.1f ms warm)",
                t, heldOut, r.fitMs(), r.trainMs(), r.warmTrainMs()));
        log.accept(String.format("ECE before %.4f (acc %.4f, mean conf %.4f); split %.4f; after %.4f (acc %.4f, mean conf %.4f)",
                r.before().ece(), r.before().accuracy(), r.before().meanConfidence(), r.split().ece(), r.after().ece(),
                r.after().accuracy(), r.after().meanConfidence()));
        return r;
    }

    private static List<TrainingImage> trainingSet(List<LabeledImage> train, List<FeatureMap> feats, LabelMap[] labels) {
        List<TrainingImage> set = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            if (labels[i].labelledCount() > 0) {
                set.add(new TrainingImage(train.get(i).id(), 1, feats.get(i), labels[i].copy(), 1.0));
            }
        }
        return set;
    }
}
