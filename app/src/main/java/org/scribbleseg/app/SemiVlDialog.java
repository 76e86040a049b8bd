package org.scribbleseg.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.stage.DirectoryChooser;
import org.scribbleseg.engine.model.ModelStore;

/**
 * Tools → "Train SemiVL…": the CLIP model, the device, the time budget and the crop of a SemiVL run, started in the
 * background worker (its progress, pause and cancel in the heavy-jobs status bar; when it beats the live head it
 * takes over the overlay through the predictor switch, shown in the Model panel).
 */
final class SemiVlDialog {
    static final String DEFAULT_MODEL = "clip-vit-base-patch16";

    /** What the user chose. */
    record Choice(Path model, String device, int budgetMinutes, Integer crop) {
        Map<String, Object> config() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("model", model.toAbsolutePath().toString());
            c.put("budget_seconds", budgetMinutes * 60);
            if (crop != null) {
                c.put("crop", crop);
            }
            return c;
        }
    }

    private SemiVlDialog() {
    }

    /** The installed default CLIP model's folder, if complete. */
    static Optional<Path> installedModel() {
        try {
            return ModelStore.createDefault().installed(DEFAULT_MODEL).filter(ModelStore.InstalledModel::complete)
                    .map(ModelStore.InstalledModel::dir);
        } catch (RuntimeException | org.scribbleseg.engine.model.ModelStoreException e) {
            return Optional.empty();
        }
    }

    /** Asks, then starts the run off the UI thread. */
    static void show(MainWindow w) {
        Dialog<Choice> d = new Dialog<>();
        d.setTitle("Train SemiVL");
        d.setHeaderText("SemiVL learns from every image: the labelled ones and, through CLIP, the others.\n"
                + "On a GPU: crop 512, 2 + 2 images per step. On the CPU: a reduced recipe (crop 224, 1 + 1).");
        if (w.root().getScene() != null) {
            d.initOwner(w.root().getScene().getWindow());
        }
        TextField model = new TextField(installedModel().map(Path::toString).orElse(""));
        model.setPromptText("CLIP model folder (scribbleseg models download " + DEFAULT_MODEL + ")");
        model.setId("semivl-model");
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("CLIP model folder");
            var dir = c.showDialog(d.getDialogPane().getScene().getWindow());
            if (dir != null) {
                model.setText(dir.toString());
            }
        });
        ComboBox<String> device = new ComboBox<>();
        device.getItems().addAll("auto", "cpu", "gpu");
        device.setValue("auto");
        device.setId("semivl-device");
        Spinner<Integer> budget = new Spinner<>(1, 24 * 60, 60, 15);
        budget.setEditable(true);
        budget.setId("semivl-budget");
        ComboBox<String> crop = new ComboBox<>();
        crop.getItems().addAll("auto", "224", "256", "512");
        crop.setValue("auto");
        crop.setId("semivl-crop");
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.setPadding(new Insets(12));
        g.addRow(0, new Label("CLIP model"), model, browse);
        g.addRow(1, new Label("Device"), device);
        g.addRow(2, new Label("Time budget (minutes)"), budget);
        g.addRow(3, new Label("Crop (pixels)"), crop);
        Label note = new Label("auto: 512 on a GPU, 224 on the CPU. The run stops at SemiVL's 80 epochs or the budget, whichever comes first.");
        note.setWrapText(true);
        g.add(note, 0, 4, 3, 1);
        d.getDialogPane().setContent(g);
        d.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        d.getDialogPane().lookupButton(ButtonType.OK).disableProperty().bind(model.textProperty().isEmpty());
        d.setResultConverter(b -> b == ButtonType.OK ? new Choice(Path.of(model.getText().strip()), device.getValue(),
                budget.getValue(), crop.getValue().equals("auto") ? null : Integer.parseInt(crop.getValue())) : null);
        d.showAndWait().ifPresent(c -> start(w, c));
    }

    private static void start(MainWindow w, Choice c) {
        if (!Files.isRegularFile(c.model().resolve("config.json")) || !Files.isRegularFile(c.model().resolve("model.safetensors"))) {
            w.notifier().error("Train SemiVL", "no CLIP model in " + c.model(),
                    "Choose a folder with config.json and model.safetensors, or install one: scribbleseg models download " + DEFAULT_MODEL);
            return;
        }
        w.ui().run(() -> w.engine().heavy().start("semivl", c.config(), c.device()),
                id -> w.notifier().info("Training SemiVL in the background", "run " + id + " on " + c.device()
                        + "; the status bar shows its progress, the Model panel which model is showing."),
                t -> w.notifier().error("Could not start SemiVL", t, null));
    }
}
