package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

/** The main window's tool bar: tools, brush size, undo/redo, accept, done, next, clear, overlays, zoom, help. */
final class MainToolBar {
    private MainToolBar() {
    }

    static ToolBar build(MainWindow w, Label brushLabel) {
        ToggleGroup tools = new ToggleGroup();
        List<Node> items = new ArrayList<>();
        for (Tool t : Tool.values()) {
            ToggleButton b = new ToggleButton();
            b.setId("tool" + t.camelName());
            b.setGraphic(Icons.icon(t.iconClass()));
            b.setTooltip(new Tooltip(t.label() + " (" + t.key() + ")"));
            b.setToggleGroup(tools);
            b.setUserData(t);
            b.setSelected(t == w.canvas().toolProperty().get());
            b.getStyleClass().add("tool-button");
            items.add(b);
        }
        tools.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true);
            } else {
                w.canvas().toolProperty().set((Tool) b.getUserData());
            }
        });
        w.canvas().toolProperty().addListener((o, a, t) -> tools.getToggles().stream()
                .filter(x -> x.getUserData() == t).findFirst().ifPresent(x -> x.setSelected(true)));
        Button smaller = button("brushSmaller", "icon-minus", "Smaller brush ([)", () -> w.brush(1 / 1.25));
        Button larger = button("brushLarger", "icon-plus", "Larger brush (])", () -> w.brush(1.25));
        brushLabel.setId("brushSize");
        brushLabel.getStyleClass().add("brush-size");
        items.add(new Separator());
        items.add(smaller);
        items.add(brushLabel);
        items.add(larger);
        items.add(new Separator());
        items.add(button("undoButton", "icon-undo", "Undo (Ctrl+Z)", w::undo));
        items.add(button("redoButton", "icon-redo", "Redo (Ctrl+Shift+Z / Ctrl+Y)", w::redo));
        items.add(new Separator());
        Button accept = button("acceptButton", "icon-accept", "Accept the prediction as this image's mask; marks it done (A)", w::accept);
        accept.setText("Accept");
        items.add(accept);
        Button done = button("doneButton", null, "Mark an image with an accepted mask not done (reopen it), or done again (D)", w::toggleDone);
        done.setText("Done / not done");
        items.add(done);
        Button next = button("nextButton", "icon-next", "Next image to label (N)", w::nextImage);
        next.setText("Next");
        items.add(next);
        items.add(button("clearButton", "icon-clear", "Clear this image's labels (Delete)", w::confirmClear));
        items.add(new Separator());
        ToggleButton pred = new ToggleButton("Prediction");
        pred.setId("togglePrediction");
        pred.setTooltip(new Tooltip("Show the live prediction (O)"));
        pred.selectedProperty().bindBidirectional(w.canvas().showPredictionProperty());
        Slider opacity = new Slider(0, 1, w.canvas().predictionOpacityProperty().get());
        opacity.setId("predictionOpacity");
        opacity.setPrefWidth(90);
        opacity.setTooltip(new Tooltip("Prediction opacity"));
        w.canvas().predictionOpacityProperty().bind(opacity.valueProperty());
        ToggleButton unc = new ToggleButton("Uncertainty");
        unc.setId("toggleUncertainty");
        unc.setTooltip(new Tooltip("Show where the model is unsure (U)"));
        unc.selectedProperty().bindBidirectional(w.canvas().showUncertaintyProperty());
        // the engine computes per-pixel uncertainty maps only while they are shown (they cost as much as the mask)
        w.canvas().showUncertaintyProperty().addListener((o, was, on) -> w.work(() -> w.engine().setPerPixelMaps(on), null,
                "Could not switch the uncertainty view"));
        items.add(pred);
        items.add(opacity);
        items.add(unc);
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        items.add(gap);
        items.add(button("fitButton", "icon-fit", "Fit (0)", w.canvas()::fit));
        Button one = button("actualSizeButton", null, "100 % (Ctrl+1)", w.canvas()::actualSize);
        one.setText("1:1");
        items.add(one);
        items.add(button("helpButton", "icon-help", "Shortcuts (?)", w::toggleHelp));
        ToolBar bar = new ToolBar(items.toArray(Node[]::new));
        bar.getStyleClass().add("main-toolbar");
        return bar;
    }

    private static Button button(String id, String icon, String tip, Runnable action) {
        Button b = new Button();
        b.setId(id);
        if (icon != null) {
            b.setGraphic(Icons.icon(icon));
        }
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        b.setFocusTraversable(false);
        return b;
    }
}
