package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import org.scribbleseg.engine.Annotations;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.Regions;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.MaskRecord;

/**
 * What the user does to the current image's labels besides drawing: undo, redo, accept (A), the region tools (R,
 * F), done / not done (D), clear, and moving on to the next image (N). Each is one {@code engine.annotations()} command off the FX thread
 * ({@link MainWindow#work}); the change comes back on the event stream like any other.
 */
final class LabelActions {
    private final MainWindow w;

    LabelActions(MainWindow w) {
        this.w = w;
    }

    private Annotations labels() {
        return w.engine().annotations();
    }

    void undo() {
        long img = w.currentImage();
        if (img < 0) {
            return;
        }
        w.work(() -> labels().undo(img), r -> w.status(r.map(x -> "Undid: " + x.replace("undo ", "")).orElse("Nothing to undo")),
                "Could not undo");
    }

    void redo() {
        long img = w.currentImage();
        if (img < 0) {
            return;
        }
        w.work(() -> labels().redo(img), r -> w.status(r.map(x -> "Redid: " + x.replace("redo ", "")).orElse("Nothing to redo")),
                "Could not redo");
    }

    /** The image's newest prediction: the live one, else the stored one. Off the FX thread. */
    private Optional<LabelMap> currentPrediction(long img) {
        return w.engine().latestPrediction(img).map(EngineEvent.PredictionsUpdated::labels)
                .or(() -> labels().storedPrediction(img));
    }

    /**
     * Accept = mark done: the latest prediction becomes the image's mask; the labelled pixels of a partial or
     * reopened mask (regions accepted or filled one by one) win over the prediction.
     */
    void accept() {
        long img = w.currentImage();
        if (img < 0) {
            return;
        }
        w.work(() -> {
            Optional<LabelMap> p = currentPrediction(img);
            if (p.isEmpty()) {
                return false;
            }
            LabelMap mask = p.get();
            Optional<MaskRecord> open = labels().mask(img).filter(MaskRecord::isOpen);
            if (open.isPresent()) {
                mask = Regions.overlay(mask, open.get().labels());
            }
            labels().setMask(img, mask, MaskRecord.ACCEPTED);
            return true;
        }, ok -> {
            if (ok) {
                w.status("Accepted the prediction: image done");
            } else {
                w.notifier().error("No prediction to accept", "The live head has not predicted this image yet.",
                        "Draw a few scribbles and wait for the overlay, then accept (A).");
            }
        }, "Could not accept the prediction");
    }

    /** What a region click did: an error title and hint, or a status line. */
    private record RegionOutcome(String error, String detail, String status) {
        static RegionOutcome failed(String error, String detail) {
            return new RegionOutcome(error, detail, null);
        }
    }

    /**
     * Accept region (R) writes the 4-connected predicted region under the click into the image's mask with its
     * predicted value; Fill region (F) writes it with the selected class. Without a mask the rest stays void and the
     * mask is partial (the image stays in progress); an existing mask keeps its source (a done image stays done).
     */
    void regionClick(Tool tool, float px, float py) {
        long img = w.currentImage();
        if (img < 0 || w.canvas().image() == null) {
            return;
        }
        int x = (int) Math.floor(px);
        int y = (int) Math.floor(py);
        ClassDef cls = w.palette().selectedProperty().get();
        if (tool == Tool.FILL_REGION && cls == null) {
            w.notifier().error("No class selected", "Fill region gives the predicted region under the click the selected class, and no class is selected.",
                    "Select a class in the palette or with the keys 1–9.");
            return;
        }
        Integer fill = tool == Tool.FILL_REGION ? cls.vocIndex() : null;
        String fillName = cls == null ? "" : cls.name();
        w.work(() -> {
            Optional<LabelMap> p = currentPrediction(img);
            if (p.isEmpty()) {
                return RegionOutcome.failed("No prediction yet", "The region tools pick a region of the prediction, and this image has none yet.");
            }
            LabelMap pred = p.get();
            int[] region = Regions.component(pred, x, y);
            int value = fill != null ? fill : region.length == 0 ? LabelMap.VOID : pred.get(x, y);
            if (region.length == 0 || value == LabelMap.VOID) {
                return RegionOutcome.failed("Nothing predicted here", "Click inside a region of the prediction overlay.");
            }
            Optional<MaskRecord> old = labels().mask(img);
            LabelMap base = old.map(MaskRecord::labels).orElseGet(() -> LabelMap.unlabelled(pred.width(), pred.height()));
            String source = old.map(MaskRecord::source).orElse(MaskRecord.PARTIAL);
            labels().setMask(img, Regions.fill(base, region, value), source);
            String what = fill != null ? "Filled a region with '" + fillName + "'" : "Accepted a region";
            return new RegionOutcome(null, null, what + " (" + region.length + " pixels)"
                    + (MaskRecord.PARTIAL.equals(source) ? "; accept (A) when the rest is right" : ""));
        }, r -> {
            if (r.error() != null) {
                w.notifier().error(r.error(), r.detail(), null);
            } else {
                w.status(r.status());
            }
        }, "Could not write the region into the mask");
    }

    /** D: marks an image with a complete mask not done (reopened), or done again. */
    void toggleDone() {
        long img = w.currentImage();
        if (img < 0) {
            return;
        }
        w.work(() -> labels().toggleDone(img), s -> w.status(s == ImageStatus.DONE ? "Marked done" : "Marked not done: the image is in progress"),
                "Could not mark the image done");
    }

    void confirmClear() {
        long img = w.currentImage();
        if (img < 0) {
            return;
        }
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Remove every stroke, tag and the accepted mask of this image?\n"
                + "You can undo this with Ctrl+Z.", ButtonType.OK, ButtonType.CANCEL);
        a.setHeaderText("Clear this image's labels");
        a.setTitle("Clear image");
        if (w.root().getScene() != null) {
            a.initOwner(w.root().getScene().getWindow());
        }
        a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> clearNow(img));
    }

    void clearNow(long img) {
        w.work(() -> labels().clear(img), () -> w.status("Cleared the image's labels"), "Could not clear the image");
    }


    /**
     * The image the engine suggests (most uncertain under the current head, least covered classes); without a
     * trained head, the next image that is not done in project order.
     */
    void nextImage() {
        long cur = w.currentImage();
        w.work(() -> w.engine().suggestNext(3), list -> {
            Optional<ImageEntry> s = list.stream().map(org.scribbleseg.engine.Suggestion::image).filter(e -> e.id() != cur).findFirst();
            if (s.isPresent() && cur == w.currentImage()) {
                w.selectImage(s.get().id());
            } else if (cur == w.currentImage()) {
                nextInOrder();
            }
        }, "Could not suggest the next image");
    }

    /** The next image that is not done, in project order after the current one (wrapping round). */
    void nextInOrder() {
        List<ImageEntry> all = new ArrayList<>(w.browser().images());
        all.sort(java.util.Comparator.comparingLong(ImageEntry::id));
        if (all.isEmpty()) {
            return;
        }
        int at = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id() == w.currentImage()) {
                at = i;
            }
        }
        for (int k = 1; k <= all.size(); k++) {
            ImageEntry e = all.get((at + k) % all.size());
            if (e.status() != ImageStatus.DONE && e.id() != w.currentImage()) {
                w.selectImage(e.id());
                return;
            }
        }
        w.notifier().info("All images are done", "Every other image has an accepted mask. Export VOC from the File menu.");
    }
}
