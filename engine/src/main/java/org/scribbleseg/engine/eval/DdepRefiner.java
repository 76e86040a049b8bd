package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.train.DdepTrainer;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * The DDeP decoder as an {@link EffortBenchmark.Refiner}: at the first step the noise projection is replaced by a
 * K-class head, and after every step the decoder is fine-tuned (warm, continuing) for a fixed number of steps on
 * all labels so far. With {@code followHead} the decoder's logits are the live head's plus its learnt correction
 * ({@link DdepTrainer#startFineTune(int[], LinearHead)}), the head being the one retrained at each step
 * ({@link DdepTrainer#followHead}); without it the class head learns from scratch. Labels: human labels at weight 1, pseudo-masks at {@link WeakLabelHead#PSEUDO_WEIGHT} where no human
 * label is.
 */
public final class DdepRefiner implements EffortBenchmark.Refiner {
    private final DdepTrainer trainer;
    private final int numClasses;
    private final int firstSteps;
    private final int laterSteps;
    private final Consumer<String> log;
    private final boolean followHead;
    private boolean started;

    /**
     * @param followHead the decoder adds its correction to the live head of each step (it begins at the head's
     *                   quality); false: plain DDeP, a class head from scratch
     */
    public DdepRefiner(DdepTrainer trainer, int numClasses, int firstSteps, int laterSteps, boolean followHead,
            Consumer<String> log) {
        this.trainer = trainer;
        this.followHead = followHead;
        this.numClasses = numClasses;
        this.firstSteps = firstSteps;
        this.laterSteps = laterSteps;
        this.log = log;
    }

    @Override
    public void fit(List<LabeledImage> train, LabelMap[] labels, LabelMap[] pseudo, int step, LinearHead head) {
        List<DdepTrainer.Labelled> data = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            LabelMap l = labels[i];
            float[] w = null;
            if (pseudo[i] != null && pseudo[i].labelledCount() > 0) {
                l = l.copy();
                w = new float[l.data().length];
                byte[] d = l.data();
                byte[] p = pseudo[i].data();
                for (int j = 0; j < d.length; j++) {
                    if ((d[j] & 0xff) == LabelMap.VOID && (p[j] & 0xff) != LabelMap.VOID) {
                        d[j] = p[j];
                        w[j] = (float) WeakLabelHead.PSEUDO_WEIGHT;
                    } else {
                        w[j] = 1f;
                    }
                }
            }
            if (l.labelledCount() > 0) {
                data.add(new DdepTrainer.Labelled(train.get(i).id(), train.get(i).image(), l, w));
            }
        }
        if (data.isEmpty()) {
            return;
        }
        if (!started) {
            int[] cv = new int[numClasses];
            for (int k = 0; k < numClasses; k++) {
                cv[k] = k;
            }
            trainer.startFineTune(cv, followHead ? head : null);
            started = true;
        } else if (followHead) {
            trainer.followHead(head);
        }
        int n = step == 1 ? firstSteps : laterSteps;
        double ema = Double.NaN;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            double l = trainer.fineTuneStep(data);
            ema = Double.isNaN(ema) ? l : 0.9 * ema + 0.1 * l;
        }
        log.accept(String.format("  decoder fine-tune: %d steps, CE %.4f, %.1f s", n, ema, (System.nanoTime() - t0) / 1e9));
    }

    @Override
    public LabelMap predict(LabeledImage image, FeatureMap features) {
        return new org.scribbleseg.engine.predict.DecoderPredictor(trainer).predict(image.image(), features).labels();
    }
}
