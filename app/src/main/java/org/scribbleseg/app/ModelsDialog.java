package org.scribbleseg.app;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Modality;
import javafx.stage.Window;
import org.scribbleseg.engine.model.ModelCatalog;
import org.scribbleseg.engine.model.ModelDownloads;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;

/**
 * The Models window: the catalog's checkpoints and the imported ones, each with its size and state, and Download
 * (progress, speed, time left, Cancel), Import… and Remove… Downloads run on {@link ModelDownloads}' threads and
 * store reads on the store thread, so the FX thread never waits. Non-modal; closing it cancels running downloads
 * (their partial files stay and the next download resumes them).
 */
final class ModelsDialog {
    static final String FIX = "Fix: Import… a model.safetensors (with its config.json next to it), "
            + "or run `scribbleseg models download %s` where the network is reachable.";

    private final ModelDownloads downloads = new ModelDownloads(ModelStore.createDefault());
    /** The dialog's own background threads (model store reads, imports): it needs no open project. */
    private final UiBackground background = UiBackground.standalone("models");
    private final Runnable onChange;
    private final Dialog<Void> dialog = new Dialog<>();
    private final VBox rows = new VBox(10);
    private final Map<String, ModelDownloads.Download> running = new HashMap<>();

    /** One model's state as read from the store: its catalog entry (null if imported) and what is on disk. */
    private record Entry(String name, ModelCatalog.ModelEntry catalog, Optional<ModelStore.InstalledModel> installed) {
    }

    private ModelsDialog(Window owner, Runnable onChange) {
        this.onChange = onChange;
        dialog.setTitle("Models");
        dialog.setHeaderText("Backbone weights in " + downloads.store().root());
        dialog.initModality(Modality.NONE);
        dialog.setResizable(true);
        if (owner != null) {
            dialog.initOwner(owner);
            if (owner.getScene() != null) {
                dialog.getDialogPane().getStylesheets().setAll(owner.getScene().getStylesheets());
            }
        }
        Label note = new Label("The classic filter bank needs no weights and always works offline. DINOv2 backbones "
                + "appear in Project settings once installed. Closing this window cancels running downloads; "
                + "a later download resumes them.");
        note.getStyleClass().add("muted");
        note.setWrapText(true);
        ScrollPane scroll = new ScrollPane(rows);
        scroll.setFitToWidth(true);
        scroll.setPrefViewportHeight(420);
        rows.setPadding(new Insets(4, 8, 4, 4));
        VBox content = new VBox(10, scroll, gpuRow(), note);
        content.setPrefWidth(820);
        dialog.getDialogPane().setContent(content);
        dialog.getDialogPane().getButtonTypes().setAll(ButtonType.CLOSE);
        dialog.getDialogPane().setId("modelsDialog");
        dialog.setOnHidden(e -> {
            running.values().forEach(ModelDownloads.Download::cancel);
            downloads.close();
            background.close(null);
        });
    }

    private org.scribbleseg.engine.gpu.GpuInstallProcess gpuInstall;

    /**
     * The GPU runtime of background training: what is installed and why the GPU is (not) used; Install runs
     * {@code scribbleseg gpu install} as a child process with its progress, Cancel ends it.
     */
    private VBox gpuRow() {
        Label name = new Label("GPU runtime for background training");
        name.setStyle("-fx-font-weight: bold;");
        Label state = new Label("checking…");
        state.setId("gpuState");
        state.setWrapText(true);
        state.getStyleClass().add("muted");
        Label progress = new Label();
        progress.setId("gpuProgress");
        Button install = new Button("Install GPU runtime (about 2.5 GB)");
        install.setId("gpuInstall");
        Button cancel = new Button("Cancel");
        cancel.setId("gpuCancel");
        cancel.setDisable(true);
        Runnable refresh = () -> background.run(() -> {
            String why = org.scribbleseg.engine.gpu.GpuRuntime.whyNotGpu(org.scribbleseg.engine.gpu.GpuProbe.detectDriver());
            return org.scribbleseg.engine.gpu.GpuRuntime.describe() + ". " + MenuBuilder.gpuNote(why);
        }, state::setText, t -> state.setText("cannot check the GPU: " + t.getMessage()));
        refresh.run();
        install.setOnAction(e -> {
            install.setDisable(true);
            cancel.setDisable(false);
            progress.setText("starting the download…");
            try {
                gpuInstall = org.scribbleseg.engine.gpu.GpuInstallProcess.start(System.getProperty("scribbleseg.gpu.mirror"),
                        line -> javafx.application.Platform.runLater(() -> progress.setText(line)),
                        r -> javafx.application.Platform.runLater(() -> {
                            gpuInstall = null;
                            install.setDisable(false);
                            cancel.setDisable(true);
                            progress.setText(r.ok() ? "installed: " + r.message() : r.cancelled() ? r.message() : "failed: " + r.message());
                            refresh.run();
                        }));
            } catch (java.io.IOException ex) {
                install.setDisable(false);
                cancel.setDisable(true);
                progress.setText("failed: " + ex.getMessage());
            }
        });
        cancel.setOnAction(e -> {
            if (gpuInstall != null) {
                gpuInstall.cancel();
            }
        });
        dialog.setOnCloseRequest(e -> {
            if (gpuInstall != null) {
                gpuInstall.cancel();
            }
        });
        return new VBox(4, name, state, new HBox(8, install, cancel, progress));
    }

    /** Opens the window (not modal); {@code onChange} runs on the FX thread after a model was installed or removed. */
    static ModelsDialog open(Window owner, Runnable onChange) {
        ModelsDialog d = new ModelsDialog(owner, onChange == null ? () -> { } : onChange);
        d.refresh();
        d.dialog.show();
        return d;
    }

    private void refresh() {
        ModelStore store = downloads.store();
        background.run(() -> {
            List<Entry> out = new ArrayList<>();
            for (ModelCatalog.ModelEntry e : store.catalog().models()) {
                out.add(new Entry(e.name(), e, store.installed(e.name())));
            }
            for (ModelStore.InstalledModel m : store.list()) {
                if (store.catalog().find(m.name()).isEmpty()) {
                    out.add(new Entry(m.name(), null, Optional.of(m)));
                }
            }
            return out;
        }, list -> {
            rows.getChildren().clear();
            list.forEach(e -> rows.getChildren().add(row(e)));
        }, t -> rows.getChildren().setAll(error("Cannot read the model store: " + t.getMessage())));
    }

    private static Label error(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("field-error");
        l.setWrapText(true);
        l.setMinHeight(Region.USE_PREF_SIZE);
        return l;
    }

    private VBox row(Entry e) {
        String id = e.name();
        Label name = new Label(e.name());
        name.setStyle("-fx-font-weight: bold;");
        Label desc = new Label(e.catalog() != null ? e.catalog().description() : "imported");
        desc.getStyleClass().add("muted");
        VBox title = new VBox(2, name, desc);
        HBox.setHgrow(title, Priority.ALWAYS);
        title.setMaxWidth(Double.MAX_VALUE);

        boolean complete = e.installed().map(ModelStore.InstalledModel::complete).orElse(false);
        String size = complete || e.catalog() == null
                ? ModelCatalog.humanBytes(e.installed().map(ModelStore.InstalledModel::totalBytes).orElse(-1L))
                : e.catalog().sizeText();
        Label sizeLabel = new Label("?".equals(size) ? "size unknown" : size);
        fixedWidth(sizeLabel, 90);
        Label state = new Label(complete ? "Installed" : e.installed().isPresent() ? "Partial" : "Not installed");
        state.setId("models-state-" + id);
        fixedWidth(state, 90);

        Button download = new Button(e.installed().isPresent() && !complete ? "Resume" : "Download");
        download.setId("models-download-" + id);
        download.setVisible(e.catalog() != null && !complete);
        download.setManaged(download.isVisible());
        Button importButton = new Button("Import…");
        importButton.setId("models-import-" + id);
        Button remove = new Button("Remove…");
        remove.setId("models-remove-" + id);
        remove.setVisible(e.installed().isPresent());
        remove.setManaged(remove.isVisible());
        for (Button b : List.of(download, importButton, remove)) {
            b.setMinWidth(Region.USE_PREF_SIZE);
        }
        HBox actions = new HBox(6, download, importButton, remove);
        actions.setAlignment(Pos.CENTER_RIGHT);
        fixedWidth(actions, 250);
        title.setMinWidth(0);
        HBox top = new HBox(10, title, sizeLabel, state, actions);
        top.setAlignment(Pos.CENTER_LEFT);

        ProgressBar bar = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        bar.setId("models-progress-" + id);
        bar.setPrefWidth(220);
        Label progress = new Label("Connecting…");
        progress.setId("models-progress-text-" + id);
        progress.getStyleClass().add("muted");
        Button cancel = new Button("Cancel");
        cancel.setId("models-cancel-" + id);
        HBox progressRow = new HBox(10, bar, progress, cancel);
        progressRow.setAlignment(Pos.CENTER_LEFT);
        show(progressRow, false);
        Label message = error("");
        message.setId("models-message-" + id);
        show(message, false);

        VBox box = new VBox(6, top, progressRow, message);
        box.setPadding(new Insets(0, 0, 8, 0));
        box.setStyle("-fx-border-color: transparent transparent -ss-muted transparent; -fx-border-width: 0 0 0.5 0;");

        download.setOnAction(a -> {
            show(message, false);
            show(progressRow, true);
            bar.setProgress(ProgressBar.INDETERMINATE_PROGRESS);
            progress.setText("Connecting…");
            state.setText("Downloading…");
            download.setDisable(true);
            importButton.setDisable(true);
            remove.setDisable(true);
            cancel.setDisable(false);
            running.put(id, downloads.start(id, new ModelDownloads.Listener() {
                @Override
                public void progress(ModelDownloads.Status s) {
                    Platform.runLater(() -> {
                        bar.setProgress(s.fileTotal() > 0 ? (double) s.fileDone() / s.fileTotal()
                                : ProgressBar.INDETERMINATE_PROGRESS);
                        progress.setText(progressText(s));
                    });
                }

                @Override
                public void done(Path dir) {
                    Platform.runLater(() -> {
                        running.remove(id);
                        refresh();
                        onChange.run();
                    });
                }

                @Override
                public void failed(ModelStoreException error) {
                    ended("Download failed: " + firstLine(error.getMessage()) + "\n" + String.format(Locale.ROOT, FIX, id));
                }

                @Override
                public void cancelled(String text) {
                    ended("Cancelled: " + text);
                }

                private void ended(String text) {
                    Platform.runLater(() -> {
                        running.remove(id);
                        show(progressRow, false);
                        message.setText(text);
                        show(message, true);
                        refreshState(id, state, download, remove, importButton);
                    });
                }
            }));
        });
        cancel.setOnAction(a -> {
            ModelDownloads.Download d = running.get(id);
            if (d != null) {
                d.cancel();
                cancel.setDisable(true);
                progress.setText("Cancelling…");
            }
        });
        importButton.setOnAction(a -> importWeights(id, message));
        remove.setOnAction(a -> confirmRemove(e, size, message));
        return box;
    }

    /** After a failed or cancelled download: the state of the files on disk, and the buttons back. */
    private void refreshState(String id, Label state, Button download, Button remove, Button importButton) {
        ModelStore store = downloads.store();
        background.run(() -> store.installed(id), inst -> {
            boolean partial = inst.isPresent() && !inst.get().complete();
            state.setText(inst.isEmpty() ? "Not installed" : partial ? "Partial" : "Installed");
            download.setText(partial ? "Resume" : "Download");
            download.setDisable(false);
            importButton.setDisable(false);
            remove.setDisable(false);
            remove.setVisible(inst.isPresent());
            remove.setManaged(inst.isPresent());
        }, t -> state.setText("Unreadable"));
    }

    static String progressText(ModelDownloads.Status s) {
        StringBuilder b = new StringBuilder(s.file()).append(": ").append(ModelCatalog.humanBytes(s.fileDone()));
        if (s.fileTotal() >= 0) {
            b.append(" of ").append(ModelCatalog.humanBytes(s.fileTotal()));
        }
        if (s.bytesPerSecond() > 0) {
            b.append(" · ").append(ModelCatalog.humanBytes((long) s.bytesPerSecond())).append("/s");
        }
        if (s.secondsLeft() > 0) {
            long m = s.secondsLeft() / 60;
            b.append(" · ").append(m > 0 ? m + " min " + s.secondsLeft() % 60 + " s" : s.secondsLeft() + " s").append(" left");
        }
        return b.toString();
    }

    private void importWeights(String name, Label message) {
        FileChooser fc = new FileChooser();
        fc.setTitle("Import " + name + " — choose model.safetensors (config.json must be in the same folder)");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Safetensors weights", "*.safetensors"));
        File f = fc.showOpenDialog(dialog.getDialogPane().getScene().getWindow());
        if (f == null) {
            return;
        }
        ModelStore store = downloads.store();
        show(message, false);
        UiBackground.on(background.jobs(), () -> store.importModel(f.toPath(), name), dir -> {
            refresh();
            onChange.run();
        }, t -> {
            message.setText("Import failed: " + firstLine(t.getMessage()));
            show(message, true);
        });
    }

    private void confirmRemove(Entry e, String size, Label message) {
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Delete " + e.name() + " (" + size + ") from "
                + downloads.store().root() + "? Projects using it as backbone fall back to the classic filter bank.",
                ButtonType.OK, ButtonType.CANCEL);
        a.setTitle("Remove model");
        a.setHeaderText("Remove " + e.name() + "?");
        a.initOwner(dialog.getDialogPane().getScene().getWindow());
        a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> {
            ModelStore store = downloads.store();
            background.run(() -> store.remove(e.name()), removed -> {
                refresh();
                onChange.run();
            }, t -> {
                message.setText("Remove failed: " + firstLine(t.getMessage()));
                show(message, true);
            });
        });
    }

    private static void fixedWidth(Region r, double width) {
        r.setMinWidth(width);
        r.setPrefWidth(width);
        r.setMaxWidth(width);
    }

    private static void show(javafx.scene.Node n, boolean visible) {
        n.setVisible(visible);
        n.setManaged(visible);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse(s);
    }
}
