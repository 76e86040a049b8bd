package org.scribbleseg.app;

import java.util.List;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;

/** The menu bar of the main window. Shortcut keys are handled by {@link MainWindow}; menus show them. */
final class MenuBuilder {
    /** Backbones the engine can run here: the classic filter bank, and each DINOv2 model installed in the model store. */
    static List<String> backbones() {
        List<String> out = new java.util.ArrayList<>(List.of("classic"));
        try {
            org.scribbleseg.engine.model.ModelStore.createDefault().list().stream()
                    .filter(m -> m.complete() && m.name().startsWith("dinov2")).map(m -> m.name()).sorted().forEach(out::add);
        } catch (org.scribbleseg.engine.model.ModelStoreException | RuntimeException e) {
            // no readable model store: the classic filter bank is what runs
        }
        return out;
    }

    /** {@link #backbones()} and the project's own ViTs (SimMIM runs: "project-vit:&lt;run&gt;"). */
    static List<String> withProjectVits(org.scribbleseg.engine.ProjectInfo store) {
        List<String> out = new java.util.ArrayList<>(backbones());
        out.addAll(org.scribbleseg.engine.Backbones.projectVitChoices(store.runs()));
        return out;
    }

    private final MainWindow w;

    MenuBuilder(MainWindow w) {
        this.w = w;
    }

    MenuBar build() {
        MenuBar bar = new MenuBar(file(), edit(), view(), tools(), train(), help());
        bar.setId("menuBar");
        return bar;
    }

    private static MenuItem item(String text, String key, Runnable action) {
        MenuItem m = new MenuItem(key == null ? text : text + "      " + key);
        m.setOnAction(e -> action.run());
        return m;
    }

    private Menu file() {
        MainWindow.Shell s = w.shell();
        Menu m = new Menu("File");
        m.getItems().addAll(
                item("Open project…", null, s::openProjectDialog),
                item("Create project from image folder…", null, s::createProjectDialog),
                new SeparatorMenuItem(),
                item("Import PASCAL VOC into this project…", null, w::importVoc),
                item("Export PASCAL VOC…", null, w::exportVoc),
                new SeparatorMenuItem(),
                item("Project settings…", null, this::settings),
                item("Models…", null, () -> ModelsDialog.open(window(), null)),
                item("Close project", null, s::closeProject),
                new SeparatorMenuItem(),
                item("Quit", null, s::quit));
        org.scribbleseg.engine.ProjectInfo.templateOf(w.project().root()).ifPresent(template -> {
            MenuItem reset = item("Reset demo…", null, () -> confirmResetDemo(template));
            reset.setId("resetDemo");
            m.getItems().add(m.getItems().size() - 2, reset);
        });
        return m;
    }

    private void confirmResetDemo(java.nio.file.Path template) {
        if (confirmResetDemo(window(), template)) {
            w.shell().resetDemo(template);
        }
    }

    /** Asks before the working copy of the demo (every label drawn on it) is replaced by a fresh one. */
    static boolean confirmResetDemo(javafx.stage.Window owner, java.nio.file.Path template) {
        javafx.scene.control.Alert a = new javafx.scene.control.Alert(javafx.scene.control.Alert.AlertType.CONFIRMATION,
                "Replace your working copy of the demo with a fresh one?\nEverything you labelled in it is lost; the demo in "
                        + template + " stays as it is.", ButtonType.OK, ButtonType.CANCEL);
        a.setTitle("Reset demo");
        a.setHeaderText("Reset the demo project");
        if (owner != null) {
            a.initOwner(owner);
        }
        return a.showAndWait().filter(b -> b == ButtonType.OK).isPresent();
    }

    /** Heavy training in a worker process (progress, pause and cancel in the status bar). */
    private Menu train() {
        Menu m = new Menu("Train");
        for (var f : org.scribbleseg.engine.heavy.HeavyJobs.all().values()) {
            if (f.method().equals("semivl")) {
                continue; // needs a CLIP model and a budget: Tools → Train SemiVL…
            }
            MenuItem it = item("Train " + f.method() + " in the background", null, () -> w.startHeavy(f.method(), 200));
            it.setId("train-" + f.method());
            it.setUserData(f.description());
            m.getItems().add(it);
        }
        return m;
    }

    private Menu edit() {
        Menu m = new Menu("Edit");
        m.getItems().addAll(
                item("Undo", "Ctrl+Z", w::undo),
                item("Redo", "Ctrl+Shift+Z", w::redo),
                new SeparatorMenuItem(),
                item("Accept prediction (mark done)", "A", w::accept),
                item("Clear image labels…", "Del", w::confirmClear),
                item("Next image", "N", w::nextImage));
        return m;
    }

    private Menu view() {
        ImageCanvas c = w.canvas();
        CheckMenuItem pred = new CheckMenuItem("Prediction overlay      O");
        pred.selectedProperty().bindBidirectional(c.showPredictionProperty());
        CheckMenuItem unc = new CheckMenuItem("Uncertainty      U");
        unc.selectedProperty().bindBidirectional(c.showUncertaintyProperty());
        CheckMenuItem dark = new CheckMenuItem("Dark theme");
        dark.setId("darkTheme");
        MainWindow.Shell s = w.shell();
        dark.setSelected(s.isDarkTheme());
        dark.setOnAction(e -> s.setDarkTheme(dark.isSelected()));
        Menu m = new Menu("View");
        m.getItems().addAll(item("Fit to window", "0", c::fit), item("Actual size (100 %)", "Ctrl+1", c::actualSize),
                new SeparatorMenuItem(), pred, unc, new SeparatorMenuItem(), dark);
        return m;
    }

    private Menu tools() {
        Menu m = new Menu("Tools");
        ToggleGroup g = new ToggleGroup();
        for (Tool t : Tool.values()) {
            RadioMenuItem r = new RadioMenuItem(t.label() + "      " + t.key());
            r.setToggleGroup(g);
            r.setSelected(w.canvas().toolProperty().get() == t);
            r.setOnAction(e -> w.canvas().toolProperty().set(t));
            w.canvas().toolProperty().addListener((o, a, b) -> r.setSelected(b == t));
            m.getItems().add(r);
        }
        m.getItems().addAll(new SeparatorMenuItem(), item("Smaller brush", "[", () -> w.brush(1 / 1.25)),
                item("Larger brush", "]", () -> w.brush(1.25)), new SeparatorMenuItem(), item("Train SemiVL…", null, () -> SemiVlDialog.show(w)),
                item("Zero-shot pre-labels…", null, () -> ZeroShotDialog.open(w)),
                item("Pretrain on my images…", null, () -> PretrainDialog.open(w)));
        return m;
    }

    private Menu help() {
        Menu m = new Menu("Help");
        m.getItems().add(item("Keyboard shortcuts", "?", w::toggleHelp));
        return m;
    }

    private javafx.stage.Window window() {
        return w.root().getScene() == null ? null : w.root().getScene().getWindow();
    }

    /** Why background training does or does not use a GPU, for the settings dialog. */
    static String gpuNote(String whyNot) {
        return whyNot == null ? "Background training (worker process) uses the GPU." : "Background training runs on the CPU: " + whyNot
                + ". The annotator's live head always runs on the CPU.";
    }

    /** Project settings: display name, backbone and where heavy jobs run, saved in the project. */
    private void settings() {
        var store = w.project();
        w.ui().run(() -> new Object[] {store.setting("display-name").orElse(store.name()),
                store.setting(org.scribbleseg.engine.Engine.BACKBONE_SETTING).orElse("classic"), withProjectVits(store),
                store.setting(org.scribbleseg.engine.gpu.DeviceSpec.SETTING).orElse("auto"),
                gpuNote(org.scribbleseg.engine.gpu.GpuRuntime.whyNotGpu(org.scribbleseg.engine.gpu.GpuProbe.detectDriver()))}, v -> {
            Dialog<ButtonType> d = new Dialog<>();
            d.setTitle("Project settings");
            d.setHeaderText(store.root().toString());
            TextField name = new TextField((String) v[0]);
            ChoiceBox<String> backbone = new ChoiceBox<>();
            @SuppressWarnings("unchecked")
            List<String> choices = (List<String>) v[2];
            backbone.getItems().setAll(choices);
            backbone.setValue(choices.contains((String) v[1]) ? (String) v[1] : "classic");
            Label note = new Label("The classic filter bank always works offline. DINOv2 appears here once its weights are installed, a project ViT once a SimMIM run (Tools → Pretrain on my images…) has a checkpoint "
                    + "(Models… downloads or imports them). A new backbone takes effect when the project is opened again.");
            note.getStyleClass().add("muted");
            note.setWrapText(true);
            note.setMaxWidth(360);
            GridPane g = new GridPane();
            g.setHgap(8);
            g.setVgap(8);
            g.addRow(0, new Label("Name"), name);
            Button models = new Button("Models…");
            models.setId("settingsModels");
            models.setOnAction(e -> ModelsDialog.open(d.getDialogPane().getScene().getWindow(),
                    () -> w.ui().run(MenuBuilder::backbones, list -> {
                        String chosen = backbone.getValue();
                        backbone.getItems().setAll(list);
                        backbone.setValue(list.contains(chosen) ? chosen : "classic");
                    }, t -> { })));
            g.addRow(1, new Label("Backbone"), new HBox(8, backbone, models));
            g.add(note, 0, 2, 2, 1);
            ChoiceBox<String> device = new ChoiceBox<>();
            device.setId("settingsDevice");
            device.getItems().setAll("auto", "cpu", "gpu:0", "gpu:1", "gpu:2", "gpu:3");
            device.setValue(device.getItems().contains((String) v[3]) ? (String) v[3] : "auto");
            Label gpu = new Label((String) v[4]);
            gpu.setId("settingsGpuReason");
            gpu.getStyleClass().add("muted");
            gpu.setWrapText(true);
            gpu.setMaxWidth(360);
            g.addRow(3, new Label("Heavy jobs on"), device);
            g.add(gpu, 0, 4, 2, 1);
            FeatureCacheRow cache = new FeatureCacheRow(w.engine(), w.notifier(), w.ui());
            g.addRow(5, new Label("Cache limit"), cache.node);
            g.add(cache.usage, 0, 6, 2, 1);
            d.getDialogPane().setContent(g);
            d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
            if (window() != null) {
                d.initOwner(window());
            }
            d.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> {
                String n = name.getText().strip();
                String bb = backbone.getValue();
                String dev = device.getValue();
                cache.apply();
                w.ui().run(() -> {
                    store.setSetting(org.scribbleseg.engine.gpu.DeviceSpec.SETTING, dev);
                    store.setSetting("display-name", n.isEmpty() ? store.name() : n);
                    store.setSetting(org.scribbleseg.engine.Engine.BACKBONE_SETTING, bb);
                }, () -> w.notifier().info("Settings saved", "Backbone: " + bb + "."),
                        t -> w.notifier().error("Could not save the settings", t, null));
            });
        }, t -> w.notifier().error("Could not read the settings", t, null));
    }
}
