package org.scribbleseg.engine.eval;

import java.util.List;
import java.util.Locale;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.predict.Predictor;

/**
 * When a heavy model's predictions take over from the live head's: only when its mean IoU on the annotator's
 * accepted masks beats the live head's first looks at the same images (the accept chart's data: what the head showed
 * before the user touched each image). Both are scored per image as the accept records are (mIoU over the classes
 * in the accepted mask or the prediction, void pixels ignored) and averaged over images. Needs at least
 * {@link #MIN_IMAGES} images; the caller passes only images the heavy model did not train on (accepted after its run
 * took its data), so the comparison is on unseen images for both. The boundary F-score ({@link BoundaryScore}, at
 * its default tolerance) of both on the same masks comes with the verdict for the app to show; it does not decide
 * (the live head's is NaN for images whose first look is not at hand).
 */
public final class PredictorChoice {
    public static final int MIN_IMAGES = 3;

    /**
     * One accepted image: the mask the user accepted, how well the live head's first look matched it, and that
     * first look (null when it is no longer stored: no boundary score for the live head then).
     */
    public record Evidence(org.scribbleseg.engine.project.ImageEntry image, LabelMap accepted, double liveFirstLookMiou,
            LabelMap liveFirstLook) {
    }

    /**
     * The verdict: {@code heavyWins} when the heavy model takes over; the mIoU and boundary F of both (averaged over
     * the images; the live head's F over the images with a first look) and the number of images; a sentence for the
     * app.
     */
    public record Verdict(boolean heavyWins, double heavyMiou, double liveMiou, double heavyBoundaryF,
            double liveBoundaryF, int images, String reason) {
        /** The comparison alone, for a reason that is not the verdict's (the user pinned a model). */
        public String scores(String heavyDescription) {
            return images < MIN_IMAGES
                    ? String.format(Locale.ROOT, "not compared yet (%d masks accepted since %s was trained, %d needed)", images,
                            heavyDescription, MIN_IMAGES)
                    : String.format(Locale.ROOT, "on %d accepted masks %s scores mIoU %.3f, the live head's first looks %.3f", images,
                            heavyDescription, heavyMiou, liveMiou);
        }
    }

    private PredictorChoice() {
    }

    public static Verdict judge(Predictor heavy, List<Evidence> evidence) {
        if (evidence.size() < MIN_IMAGES) {
            return new Verdict(false, Double.NaN, Double.NaN, Double.NaN, Double.NaN, evidence.size(), String.format(Locale.ROOT,
                    "the live head is showing: %s is compared with it on masks accepted after it was trained (%d so far, %d needed)",
                    heavy.description(), evidence.size(), MIN_IMAGES));
        }
        double h = 0;
        double l = 0;
        double hf = 0;
        double lf = 0;
        int withLook = 0;
        for (Evidence e : evidence) {
            LabelMap pred = heavy.predict(e.image(), false).labels();
            double m = new Metrics(LabelMap.VOID).add(e.accepted(), pred).meanIoU();
            h += Double.isNaN(m) ? 0 : m;
            l += e.liveFirstLookMiou();
            hf += BoundaryScore.of(e.accepted(), pred).f();
            if (e.liveFirstLook() != null) {
                lf += BoundaryScore.of(e.accepted(), e.liveFirstLook()).f();
                withLook++;
            }
        }
        h /= evidence.size();
        l /= evidence.size();
        hf /= evidence.size();
        lf = withLook == 0 ? Double.NaN : lf / withLook;
        boolean wins = h > l;
        String reason = String.format(Locale.ROOT, "%s: mIoU %.3f on %d accepted masks vs %.3f for the live head's first looks",
                wins ? heavy.description() + " is showing" : "the live head is showing (" + heavy.description() + " scored lower)",
                h, evidence.size(), l);
        return new Verdict(wins, h, l, hf, lf, evidence.size(), reason);
    }
}
