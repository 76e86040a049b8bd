package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.train.CamPseudoLabeler;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * Annotation effort vs accuracy: a simulated annotator labels the training images step by step, the live head is
 * retrained (warm start) after each step, and mIoU is measured on held-out images.
 *
 * <p>Step 1 is the first pass: one scribble per object ({@link Strategy#SCRIBBLE}), one click per object
 * ({@link Strategy#POINT}), or image-level tags turned into CAM pseudo-masks (weight 0.3, {@link Strategy#TAGS}).
 * Every later step adds, on every training image, one correction on the largest connected region the current head
 * gets wrong (a scribble; a click for POINT). With TAGS, classes not tagged present are absent on the image, so the
 * predictions used to place corrections are tag-constrained; held-out images have no tags.
 *
 * <p>{@code loopMs} of a step is the interactive loop measured on it: the mean over the step's revisions of
 * (retrain the head on all training images, warm start) + (predict one training image's label map at full
 * resolution, the labels-only fast path);
 * feature extraction is excluded (cached in the tool).
 */
public final class EffortBenchmark {

    public enum Strategy { SCRIBBLE, POINT, TAGS }

    /**
     * @param strategy        how the first pass labels
     * @param steps           number of steps (first pass + corrections)
     * @param numClasses      label values 0..K-1 scored by the metric
     * @param backgroundValue background label for CAM (-1: none)
     * @param minArea         smallest object the simulated annotator labels, pixels
     * @param seed            annotator seed
     * @param head            live head settings
     */
    public record Config(Strategy strategy, int steps, int numClasses, int backgroundValue, int minArea, long seed,
            WeakLabelHead.Config head) {
    }

    /**
     * One point of the curve. {@code miou} is the live head's; with a {@link Refiner}, {@code refinedMiou} is the
     * refiner's on the same labels (else NaN) and {@code refineMs} the time its fit took at this step.
     */
    public record Step(int step, int strokes, double miou, double loopMs, long labelledPixels, double refinedMiou,
            double refineMs) {
        public Step(int step, int strokes, double miou, double loopMs, long labelledPixels) {
            this(step, strokes, miou, loopMs, labelledPixels, Double.NaN, 0);
        }
    }

    /**
     * A heavier model trained on the same labels after each step (e.g. a DDeP decoder): when given, the simulated
     * annotator places its corrections where this model is wrong (it is what the user would see once it took over)
     * and the curve reports its mIoU next to the live head's.
     */
    public interface Refiner {
        /**
         * Trains on the labels so far ({@code labels[i]} of {@code train.get(i)}, VOID = none; pseudo-masks
         * weighted); {@code head} is the live head trained on the same labels (may be null).
         */
        void fit(List<LabeledImage> train, LabelMap[] labels, LabelMap[] pseudo, int step, LinearHead head);

        /** The label map it predicts for an image from the image's backbone features. */
        LabelMap predict(LabeledImage image, FeatureMap features);
    }

    private final Backbone backbone;
    private final HeadPredictor predictor = new HeadPredictor(true);

    public EffortBenchmark(Backbone backbone) {
        this.backbone = backbone;
    }

    public List<Step> run(List<LabeledImage> train, List<LabeledImage> val, Config cfg, Consumer<String> log) {
        return run(train, val, cfg, log, null);
    }

    /** {@link #run} with a {@link Refiner} trained after each step on the same labels (null: the live head only). */
    public List<Step> run(List<LabeledImage> train, List<LabeledImage> val, Config cfg, Consumer<String> log,
            Refiner refiner) {
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

        SimulatedAnnotator ann = new SimulatedAnnotator(cfg.seed(), cfg.minArea());
        int n = train.size();
        LabelMap[] labels = new LabelMap[n];
        long[] rev = new long[n];
        LabelMap[] pseudo = new LabelMap[n];
        List<Set<Integer>> absent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = LabelMap.unlabelled(train.get(i).truth().width(), train.get(i).truth().height());
            absent.add(Set.of());
        }
        WeakLabelHead trainer = new WeakLabelHead(cfg.head());
        LinearHead head = null;
        int strokes = 0;
        List<Step> out = new ArrayList<>();
        boolean refined = false;
        for (int step = 1; step <= cfg.steps(); step++) {
            double loopNs = 0;
            int loops = 0;
            if (step == 1) {
                if (cfg.strategy() == Strategy.TAGS) {
                    List<CamPseudoLabeler.TaggedImage> tagged = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        TreeSet<Integer> present = SimulatedAnnotator.tags(train.get(i).truth());
                        tagged.add(new CamPseudoLabeler.TaggedImage(trainF.get(i), present));
                        TreeSet<Integer> abs = new TreeSet<>();
                        for (int v = 0; v < cfg.numClasses(); v++) {
                            if (!present.contains(v)) {
                                abs.add(v);
                            }
                        }
                        absent.set(i, abs);
                        strokes += present.size();
                    }
                    CamPseudoLabeler cam = new CamPseudoLabeler(new CamPseudoLabeler.Config(cfg.backgroundValue(),
                            1.0, 0.3, 1e-3, 200));
                    cam.train(tagged);
                    for (int i = 0; i < n; i++) {
                        LabeledImage im = train.get(i);
                        pseudo[i] = cam.pseudoMask(trainF.get(i), tagged.get(i).present(), im.image().width(),
                                im.image().height());
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        LabelMap gt = train.get(i).truth();
                        List<SimulatedAnnotator.SimStroke> s = cfg.strategy() == Strategy.POINT ? ann.points(gt)
                                : ann.scribbles(gt);
                        SimulatedAnnotator.rasterise(s, labels[i]);
                        rev[i]++;
                        strokes += s.size();
                    }
                }
                List<TrainingImage> set = trainingSet(train, trainF, labels, rev, pseudo);
                long a = System.nanoTime();
                head = trainer.train(set);
                if (head != null) {
                    predictor.predictLabels(head, trainF.get(n - 1), train.get(n - 1).image().width(),
                            train.get(n - 1).image().height(), absent.get(n - 1));
                }
                loopNs += System.nanoTime() - a;
                loops++;
            } else {
                SimulatedAnnotator.Kind kind = cfg.strategy() == Strategy.POINT ? SimulatedAnnotator.Kind.POINT
                        : SimulatedAnnotator.Kind.SCRIBBLE;
                for (int i = 0; i < n; i++) {
                    LabeledImage im = train.get(i);
                    LabelMap pred = refined ? refiner.predict(im, trainF.get(i))
                            : head == null ? LabelMap.unlabelled(im.image().width(), im.image().height())
                            : predictor.predictLabels(head, trainF.get(i), im.image().width(), im.image().height(),
                                    absent.get(i)).labels();
                    SimulatedAnnotator.SimStroke fix = ann.correction(im.truth(), pred, labels[i], kind);
                    if (fix == null) {
                        continue;
                    }
                    StrokeRaster.paint(labels[i], fix.points(), fix.radius(), fix.classValue());
                    rev[i]++;
                    strokes++;
                    // the interactive loop after this stroke: retrain, then predict the image being edited
                    List<TrainingImage> set = trainingSet(train, trainF, labels, rev, pseudo);
                    long a = System.nanoTime();
                    head = trainer.train(set);
                    predictor.predictLabels(head, trainF.get(i), im.image().width(), im.image().height(), absent.get(i));
                    loopNs += System.nanoTime() - a;
                    loops++;
                }
            }
            Metrics m = new Metrics(cfg.numClasses());
            for (int i = 0; i < val.size(); i++) {
                LabeledImage im = val.get(i);
                LabelMap pred = head == null ? LabelMap.unlabelled(im.image().width(), im.image().height())
                        : predictor.predictLabels(head, valF.get(i), im.image().width(), im.image().height(), null).labels();
                m.add(im.truth(), pred);
            }
            long px = 0;
            for (LabelMap l : labels) {
                px += l.labelledCount();
            }
            double refinedMiou = Double.NaN;
            double refineMs = 0;
            if (refiner != null) {
                long a = System.nanoTime();
                refiner.fit(train, labels, pseudo, step, head);
                refineMs = (System.nanoTime() - a) / 1e6;
                refined = true;
                Metrics rm = new Metrics(cfg.numClasses());
                for (int i = 0; i < val.size(); i++) {
                    rm.add(val.get(i).truth(), refiner.predict(val.get(i), valF.get(i)));
                }
                refinedMiou = rm.meanIoU();
            }
            Step s = new Step(step, strokes, m.meanIoU(), loops == 0 ? 0 : loopNs / loops / 1e6, px, refinedMiou,
                    refineMs);
            log.accept(String.format("step %d: strokes %d, labelled px %d, mIoU %.4f, loop %.1f ms%s", s.step(),
                    s.strokes(), s.labelledPixels(), s.miou(), s.loopMs(), refiner == null ? ""
                            : String.format(", refiner mIoU %.4f (fit %.1f s)", refinedMiou, refineMs / 1e3)));
            out.add(s);
        }
        return out;
    }

    private static List<TrainingImage> trainingSet(List<LabeledImage> train, List<FeatureMap> feats, LabelMap[] labels,
            long[] rev, LabelMap[] pseudo) {
        List<TrainingImage> set = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            String id = train.get(i).id();
            if (pseudo[i] != null && pseudo[i].labelledCount() > 0) {
                set.add(new TrainingImage("pseudo:" + id, 0, feats.get(i), pseudo[i], WeakLabelHead.PSEUDO_WEIGHT));
            }
            if (labels[i].labelledCount() > 0) {
                set.add(new TrainingImage(id, rev[i], feats.get(i), labels[i], 1.0));
            }
        }
        return set;
    }
}
