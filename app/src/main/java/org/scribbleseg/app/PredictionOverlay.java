package org.scribbleseg.app;

import java.util.Optional;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ImageStatus;

/**
 * The current image's prediction and uncertainty layers on the canvas and their badges ("No prediction yet", the
 * low-confidence note): coloured off the FX thread, dropped when another image is shown meanwhile.
 */
final class PredictionOverlay {
    private final Label noPrediction = new Label("No prediction yet");
    /** On an image nobody labelled: says that pixels below {@link #HIDE_BELOW} are hidden, and how many. */
    private final Label lowConfidence = new Label();
    /**
     * On images nobody labelled the overlay shows only pixels the head is at least this sure of (its calibrated
     * confidence, see the engine's Calibration): an untouched image's mask is a guess, and a confident-looking wrong
     * guess is worse than none.
     */
    static final double HIDE_BELOW = 0.6;

    private final MainWindow w;
    private final LabelLayer layer;

    PredictionOverlay(MainWindow w, LabelLayer layer) {
        this.w = w;
        this.layer = layer;
        noPrediction.getStyleClass().add("badge");
        noPrediction.setId("noPrediction");
        lowConfidence.getStyleClass().add("badge");
        lowConfidence.setId("lowConfidence");
        lowConfidence.setVisible(false);
        lowConfidence.setManaged(false);
        lowConfidence.setTooltip(new Tooltip("Nobody labelled this image yet: the prediction is shown only where the model's calibrated "
                + "confidence is at least " + Math.round(HIDE_BELOW * 100) + " %. Draw a stroke to see the whole mask."));
    }

    Label noPrediction() {
        return noPrediction;
    }

    Label lowConfidence() {
        return lowConfidence;
    }

    /** Shows the image's newest prediction: the live one, else the one stored by an earlier session, else none. */
    void reload(long id) {
        w.work(() -> {
            Optional<EngineEvent.PredictionsUpdated> live = w.engine().latestPrediction(id);
            if (live.isPresent()) {
                return new Object[] {live.get().labels(), live.get().uncertainty(), live.get().confidence()};
            }
            return w.engine().annotations().storedPrediction(id).map(l -> new Object[] {l, null, null}).orElse(null);
        }, p -> {
            if (id != w.currentImage()) {
                return;
            }
            if (p == null) {
                w.canvas().setPrediction(null);
                w.canvas().setUncertainty(null);
                lowConfidence.setVisible(false);
                lowConfidence.setManaged(false);
                updateBadge();
            } else {
                show(id, (LabelMap) p[0], (byte[]) p[1], (byte[]) p[2]);
            }
        }, "Could not read the prediction");
    }

    /** Whether nobody labelled the image (no stroke, mask or tag: the browser shows it as unlabelled). */
    private boolean untouched(long id) {
        return w.browser().images().stream().anyMatch(x -> x.id() == id && x.status() == ImageStatus.UNLABELLED);
    }

    /**
     * Shows a prediction; on an image nobody labelled, pixels below {@link #HIDE_BELOW} calibrated confidence are
     * hidden (when the confidence map came with it).
     */
    void show(long id, LabelMap labels, byte[] uncertainty, byte[] confidence) {
        int[] table = layer.colorTable();
        long token = w.imageToken();
        boolean hide = confidence != null && untouched(id);
        w.onImages(() -> {
            int[] argb = LabelPainter.labelsToArgb(labels, table);
            int hidden = hide ? LabelPainter.hideBelow(argb, confidence, (int) Math.ceil(HIDE_BELOW * 255)) : -1;
            return new int[][] {argb, uncertainty == null ? null : LabelPainter.uncertaintyToArgb(uncertainty), {hidden, argb.length}};
        }, layers -> {
                    if (token != w.imageToken() || id != w.currentImage()) {
                        return;
                    }
                    w.canvas().setPrediction(layers[0]);
                    w.canvas().setUncertainty(layers[1]);
                    int hidden = layers[2][0];
                    lowConfidence.setVisible(hidden >= 0);
                    lowConfidence.setManaged(hidden >= 0);
                    lowConfidence.setText(hidden < 0 ? "" : "Unlabelled: only pixels ≥ " + Math.round(HIDE_BELOW * 100)
                            + " % sure shown (" + Math.round(100.0 * hidden / Math.max(1, layers[2][1])) + " % hidden)");
                    updateBadge();
                }, t -> {
                    w.notifier().error("Could not show the prediction", t, null);
                });
    }

    void updateBadge() {
        noPrediction.setVisible(w.currentImage() >= 0 && !w.canvas().hasPrediction());
        noPrediction.setManaged(noPrediction.isVisible());
        noPrediction.setText("No prediction yet");
    }
}
