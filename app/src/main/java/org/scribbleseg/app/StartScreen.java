package org.scribbleseg.app;

import java.nio.file.Path;
import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/** Shown when no project is open: open, create from a folder of images, import VOC, recent projects. */
final class StartScreen {
    private final StackPane root = new StackPane();
    private final Label progressText = new Label();
    private final ProgressBar progress = new ProgressBar(0);
    private final Notifier notifier = new Notifier();

    StartScreen(MainWindow.Shell shell, java.util.function.Consumer<Path> open) {
        Label title = new Label("ScribbleSeg");
        title.getStyleClass().add("start-title");
        Label sub = new Label("Scribbles, clicks and tags in — PASCAL VOC segmentation masks out.");
        sub.getStyleClass().add("start-subtitle");

        Button openB = new Button("Open project…");
        openB.setId("openProject");
        openB.setGraphic(Icons.icon("icon-open"));
        openB.setOnAction(e -> shell.openProjectDialog());
        Button create = new Button("New project from image folder…");
        create.setId("createProject");
        create.setGraphic(Icons.icon("icon-add"));
        create.getStyleClass().add("accent");
        create.setOnAction(e -> shell.createProjectDialog());
        Button voc = new Button("New project from PASCAL VOC…");
        voc.setId("importVoc");
        voc.setGraphic(Icons.icon("icon-open"));
        voc.setTooltip(new Tooltip("Reads JPEGImages, SegmentationClass and labelmap.txt (ours or anyone's) into a new project"));
        voc.setOnAction(e -> shell.importVocDialog());
        for (Button b : List.of(openB, create, voc)) {
            b.setMaxWidth(Double.MAX_VALUE);
            b.setPrefWidth(280);
        }
        VBox actions = new VBox(10, create, openB, voc);
        ScribbleSegApp.demoTemplate().ifPresent(template -> {
            // the demo opens as a working copy in the user data folder; reset makes that copy afresh
            Button demo = new Button("Open demo");
            demo.setId("openDemo");
            demo.setOnAction(e -> open.accept(template));
            Button reset = new Button("Reset demo");
            reset.setId("resetDemoStart");
            reset.setTooltip(new Tooltip("Replaces your working copy of the demo (in " + org.scribbleseg.engine.ProjectInfo.workingCopyOf(template)
                    + ") with a fresh one"));
            reset.setOnAction(e -> {
                if (MenuBuilder.confirmResetDemo(root.getScene() == null ? null : root.getScene().getWindow(), template)) {
                    shell.resetDemo(template);
                }
            });
            demo.setMaxWidth(Double.MAX_VALUE);
            reset.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(demo, javafx.scene.layout.Priority.ALWAYS);
            HBox.setHgrow(reset, javafx.scene.layout.Priority.ALWAYS);
            HBox row = new HBox(10, demo, reset);
            row.setPrefWidth(280);
            actions.getChildren().add(row);
        });

        Label recentTitle = new Label("Recent projects");
        recentTitle.getStyleClass().add("panel-title");
        ListView<Path> recent = new ListView<>();
        recent.setId("recentProjects");
        recent.getItems().setAll(Prefs.recentProjects());
        recent.setPrefSize(420, 220);
        recent.setPlaceholder(new Label("No recent projects"));
        recent.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Path p, boolean empty) {
                super.updateItem(p, empty);
                if (empty || p == null) {
                    setText(null);
                    setGraphic(null);
                    return;
                }
                boolean ok = Prefs.exists(p);
                Label name = new Label(p.getFileName().toString() + (ok ? "" : "  (missing)"));
                name.getStyleClass().add("image-name");
                Label path = new Label(p.toString());
                path.getStyleClass().add("muted");
                setGraphic(new VBox(2, name, path));
                setDisable(!ok);
            }
        });
        recent.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2 && recent.getSelectionModel().getSelectedItem() != null) {
                open.accept(recent.getSelectionModel().getSelectedItem());
            }
        });
        recent.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER && recent.getSelectionModel().getSelectedItem() != null) {
                open.accept(recent.getSelectionModel().getSelectedItem());
            }
        });
        VBox recentBox = new VBox(6, recentTitle, recent);

        progress.setVisible(false);
        progress.setPrefWidth(420);
        progressText.getStyleClass().add("muted");
        HBox columns = new HBox(40, actions, recentBox);
        columns.setAlignment(Pos.TOP_CENTER);
        VBox card = new VBox(18, title, sub, columns, progress, progressText);
        card.getStyleClass().add("start-card");
        card.setPadding(new Insets(36));
        card.setMaxSize(VBox.USE_PREF_SIZE, VBox.USE_PREF_SIZE);
        StackPane.setAlignment(notifier, Pos.BOTTOM_RIGHT);
        StackPane.setMargin(notifier, new Insets(12));
        root.getChildren().addAll(card, notifier);
        root.getStyleClass().add("start-screen");
    }

    StackPane root() {
        return root;
    }

    Notifier notifier() {
        return notifier;
    }

    void progress(String text, double value) {
        progress.setVisible(value >= 0);
        progress.setProgress(value);
        progressText.setText(text);
    }
}
