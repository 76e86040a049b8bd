package org.scribbleseg.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.image.ImageView;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.heavy.DdepJob;
import org.scribbleseg.engine.heavy.SimMimJob;
import org.scribbleseg.engine.ProjectInfo;
import org.scribbleseg.engine.project.RunRecord;

/**
 * Tools → "Pretrain on my images…": starts a SimMIM run (a ViT learnt from the project's images, then a backbone
 * choice "project-vit:&lt;run&gt;" in Project settings) or a DDeP run (a sharp decoder over the backbone, fine-tuned
 * on the labels, then a predictor) in the background worker for a time budget; shows the newest SimMIM run's
 * reconstruction preview (masked input | reconstruction | original).
 */
final class PretrainDialog {
    static final String SIMMIM = "SimMIM: learn a backbone from my images";
    static final String DDEP = "DDeP: a sharp decoder over the backbone";
    static final List<String> BUDGETS = List.of("5m", "15m", "30m", "1h", "2h", "4h");

    private PretrainDialog() {
    }

    /** The heavy method and config of a choice: a budget in seconds ("15m", "1h") and a fixed seed. */
    static Map<String, Object> config(String budget) {
        Map<String, Object> c = new LinkedHashMap<>();
        String b = budget.strip();
        long s = b.endsWith("h") ? Long.parseLong(b.substring(0, b.length() - 1)) * 3600
                : b.endsWith("m") ? Long.parseLong(b.substring(0, b.length() - 1)) * 60 : Long.parseLong(b);
        c.put("budget_s", s);
        c.put("seed", 3);
        return c;
    }

    static String method(String choice) {
        return SIMMIM.equals(choice) ? SimMimJob.METHOD : DdepJob.METHOD;
    }

    /** The reconstruction preview of the newest SimMIM run that has one. */
    static Optional<Path> newestPreview(ProjectInfo store) {
        return store.runs().stream().filter(r -> SimMimJob.METHOD.equals(r.method()))
                .sorted(java.util.Comparator.comparingLong(RunRecord::createdAt).reversed())
                .map(r -> store.modelsDir().resolve(r.id()).resolve(SimMimJob.PREVIEW)).filter(Files::isRegularFile).findFirst();
    }

    static void open(MainWindow w) {
        ProjectInfo store = w.project();
        Dialog<ButtonType> d = new Dialog<>();
        d.setTitle("Pretrain on my images");
        d.setHeaderText("Learn from the project's own images, no labels needed, in the background");
        ChoiceBox<String> method = new ChoiceBox<>();
        method.setId("pretrainMethod");
        method.getItems().setAll(SIMMIM, DDEP);
        method.setValue(SIMMIM);
        ChoiceBox<String> budget = new ChoiceBox<>();
        budget.setId("pretrainBudget");
        budget.getItems().setAll(BUDGETS);
        budget.setValue("30m");
        Label note = new Label("SimMIM trains a small vision transformer from scratch; when it is done, choose "
                + Backbones.PROJECT_VIT + "<run> as the backbone in Project settings. DDeP trains a decoder that sharpens "
                + "the backbone's coarse features, then fine-tunes it on your labels; it takes over the overlay when it "
                + "beats the live head on the masks you accept. Both run in a worker process (Pause and Cancel in the "
                + "status bar) and resume after a crash. On a CPU, minutes give little: hours are better.");
        note.getStyleClass().add("muted");
        note.setWrapText(true);
        note.setMaxWidth(420);
        ImageView preview = new ImageView();
        preview.setId("pretrainPreview");
        preview.setPreserveRatio(true);
        preview.setFitWidth(420);
        Label previewNote = new Label();
        previewNote.getStyleClass().add("muted");
        Button show = new Button("Show the newest reconstruction");
        show.setId("pretrainShowPreview");
        show.setOnAction(e -> w.ui().run(() -> newestPreview(store).map(p -> {
            try {
                org.scribbleseg.engine.image.RgbImage im = org.scribbleseg.engine.image.ImageLoader.load(p);
                return new Object[] {p, LabelPainter.toImage(argb(im), im.width(), im.height())};
            } catch (Exception ex) {
                throw new IllegalStateException(ex.getMessage(), ex);
            }
        }), v -> {
            if (v.isEmpty()) {
                previewNote.setText("No SimMIM run has written a preview yet.");
            } else {
                previewNote.setText("Masked input | reconstruction | original — " + v.get()[0]);
                preview.setImage((javafx.scene.image.Image) v.get()[1]);
                d.getDialogPane().getScene().getWindow().sizeToScene();
            }
        }, t -> w.notifier().error("Could not read the preview", t, null)));
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.addRow(0, new Label("Method"), method);
        g.addRow(1, new Label("Time budget"), budget);
        g.add(note, 0, 2, 2, 1);
        d.getDialogPane().setContent(new VBox(8, g, show, previewNote, preview));
        ButtonType start = new ButtonType("Start", javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().setAll(start, ButtonType.CLOSE);
        if (w.root().getScene() != null) {
            d.initOwner(w.root().getScene().getWindow());
        }
        d.showAndWait().filter(b -> b == start).ifPresent(b -> {
            String m = method(method.getValue());
            Map<String, Object> cfg = config(budget.getValue());
            w.ui().run(() -> w.engine().heavy().start(m, cfg,
                    store.setting(org.scribbleseg.engine.gpu.DeviceSpec.SETTING).orElse("auto")),
                    id -> w.notifier().info("Pretraining in the background", m + " runs in a worker process for "
                            + budget.getValue() + " (" + id + ")."),
                    t -> w.notifier().error("Could not start the pretraining", t, null));
        });
    }

    private static int[] argb(org.scribbleseg.engine.image.RgbImage im) {
        byte[] p = im.rgb();
        int[] out = new int[im.width() * im.height()];
        for (int i = 0; i < out.length; i++) {
            out[i] = 0xff000000 | (p[3 * i] & 0xff) << 16 | (p[3 * i + 1] & 0xff) << 8 | (p[3 * i + 2] & 0xff);
        }
        return out;
    }
}
