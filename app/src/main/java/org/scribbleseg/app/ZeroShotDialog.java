package org.scribbleseg.app;

import java.util.Optional;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.zeroseg.ClipModels;
import org.scribbleseg.engine.project.PreLabelSource;
import org.scribbleseg.engine.zeroseg.PreLabels;
import org.scribbleseg.engine.zeroseg.ZeroShotPreLabels;

/**
 * Tools → Zero-shot pre-labels…: MaskCLIP pre-labels now, or train ZeroSeg in the background (worker process; the
 * pre-labels follow when the run ends), or ZeroSeg pre-labels from the latest run; and which pre-labels the live
 * head trains on (project setting). Labelling runs on the long-work thread, never on the FX thread; the live head
 * retrains when the pre-labels are stored.
 */
final class ZeroShotDialog {
    static final String MASKCLIP = "MaskCLIP now";
    static final String TRAIN = "Train ZeroSeg in the background, then pre-label";
    static final String LATEST = "ZeroSeg pre-labels from the latest run";

    private ZeroShotDialog() {
    }

    static void open(MainWindow w) {
        ZeroShotPreLabels z = w.engine().zeroShot();
        w.ui().run(z::state, s -> show(w, s), t -> w.notifier().error("Could not read the project", t, null));
    }

    private static void show(MainWindow w, ZeroShotPreLabels.State s) {
        Dialog<ButtonType> d = new Dialog<>();
        d.setTitle("Zero-shot pre-labels");
        d.setHeaderText("Pre-labels from the class names and concepts, before any stroke");
        ToggleGroup g = new ToggleGroup();
        RadioButton maskclip = radio(MASKCLIP, "zsMaskclip", g);
        RadioButton train = radio(TRAIN, "zsTrain", g);
        RadioButton latest = radio(LATEST + s.latest().map(r -> " (" + r.id() + ", step " + r.step() + ")").orElse(" (none yet)"),
                "zsLatest", g);
        latest.setDisable(s.latest().isEmpty());
        maskclip.setSelected(true);
        TextField steps = new TextField();
        steps.setId("zsSteps");
        steps.setPromptText("recipe default");
        ChoiceBox<String> source = new ChoiceBox<>();
        source.setId("zsSource");
        for (PreLabelSource p : PreLabelSource.values()) {
            source.getItems().add(p.label());
        }
        source.setValue(s.source().label());
        Label note = new Label((s.clip().isEmpty() ? ClipModels.NOT_INSTALLED + " (Models… in Project settings). " : "")
                + "MaskCLIP labels each image from CLIP's patch embeddings in seconds. ZeroSeg first trains segment tokens "
                + "on this project's images (no labels; GPU when present, a reduced recipe on the CPU), then labels each "
                + "segment. Pixels below the confidence threshold stay unlabelled (MaskCLIP) or become background (ZeroSeg).");
        note.getStyleClass().add("muted");
        note.setWrapText(true);
        note.setMaxWidth(420);
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(8);
        grid.addRow(0, new Label("ZeroSeg steps"), steps);
        grid.addRow(1, new Label("Live head trains on"), source);
        d.getDialogPane().setContent(new VBox(8, maskclip, train, latest, grid, note));
        d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        if (w.root().getScene() != null) {
            d.initOwner(w.root().getScene().getWindow());
        }
        Optional<ButtonType> b = d.showAndWait();
        if (b.isEmpty() || b.get() != ButtonType.OK) {
            return;
        }
        PreLabelSource chosen = PreLabelSource.parse(source.getValue());
        Long n = steps.getText().isBlank() ? null : parse(steps.getText().strip());
        if (train.isSelected() && n == null && !steps.getText().isBlank()) {
            w.notifier().error("Not a number of steps", "'" + steps.getText() + "'", "Leave it empty for the recipe's default.");
            return;
        }
        ZeroShotPreLabels z = w.engine().zeroShot();
        w.ui().run(() -> z.setSource(chosen), null, t -> w.notifier().error("Could not save the setting", t, null));
        if (maskclip.isSelected()) {
            w.notifier().info("Zero-shot pre-labels", "MaskCLIP is labelling every image…");
            UiBackground.on(w.ui().jobs(), z::maskClip, sum -> done(w, "MaskCLIP", sum),
                    t -> w.notifier().error("MaskCLIP pre-labels failed", t, null));
        } else if (train.isSelected()) {
            trainZeroSeg(w, z, n);
        } else {
            label(w, z, s.latest().orElseThrow().id());
        }
    }

    private static Long parse(String t) {
        try {
            long v = Long.parseLong(t);
            return v > 0 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static RadioButton radio(String text, String id, ToggleGroup g) {
        RadioButton r = new RadioButton(text);
        r.setId(id);
        r.setToggleGroup(g);
        return r;
    }

    private static void trainZeroSeg(MainWindow w, ZeroShotPreLabels z, Long steps) {
        w.ui().run(() -> z.startZeroSeg(steps), id -> {
            w.notifier().info("Training ZeroSeg in the background", "Run " + id + " trains in a worker process; its pre-labels follow when it ends.");
            w.engine().heavy().handle(id).ifPresent(h -> h.outcome().thenAccept(o -> {
                if (o == EngineEvent.Outcome.COMPLETED) {
                    javafx.application.Platform.runLater(() -> label(w, z, id));
                }
            }));
        }, t -> w.notifier().error("Could not start ZeroSeg", t, null));
    }

    private static void label(MainWindow w, ZeroShotPreLabels z, String runId) {
        w.notifier().info("Zero-shot pre-labels", "ZeroSeg (run " + runId + ") is labelling every image…");
        UiBackground.on(w.ui().jobs(), () -> z.zeroSeg(runId), sum -> done(w, "ZeroSeg", sum),
                t -> w.notifier().error("ZeroSeg pre-labels failed", t, null));
    }

    private static void done(MainWindow w, String what, PreLabels.Summary s) {
        w.notifier().info(what + " pre-labels stored", String.format("%d images, %.0f %% of pixels labelled. The live head trains on them.",
                s.images(), 100 * s.labelledShare()));
        w.engine().preLabelsChanged();
    }
}
