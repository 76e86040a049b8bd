package org.scribbleseg.app;

import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/** Every keyboard and mouse shortcut, and the help overlay ({@code ?}) that lists them. */
public final class Shortcuts {
    private Shortcuts() {
    }

    /** key, what it does. */
    public static final List<String[]> ALL = List.of(
            new String[] {"B", "Brush: scribble the selected class"},
            new String[] {"P", "Point: click to label a disc (Shift+click: background)"},
            new String[] {"E", "Eraser: back to unlabelled"},
            new String[] {"I", "Ignore brush: mark void (never trained on)"},
            new String[] {"R", "Accept region: click a predicted region to put it in the mask"},
            new String[] {"F", "Fill region: click a predicted region to give it the selected class"},
            new String[] {"[  ]", "Brush smaller / larger"},
            new String[] {"1 – 9", "Select class by palette position"},
            new String[] {"Ctrl+Z", "Undo (per image: strokes, tags, masks, clear)"},
            new String[] {"Ctrl+Shift+Z, Ctrl+Y", "Redo"},
            new String[] {"A", "Accept the prediction as the mask (accepted/filled regions kept; marks the image done)"},
            new String[] {"D", "Mark an image with an accepted mask not done / done again"},
            new String[] {"N", "Next image to label"},
            new String[] {"Delete", "Clear this image's labels (asks first)"},
            new String[] {"O", "Show / hide the prediction overlay"},
            new String[] {"U", "Show / hide uncertainty"},
            new String[] {"0", "Fit the image to the view"},
            new String[] {"Ctrl+1", "100 % (one image pixel per screen pixel)"},
            new String[] {"+  −, mouse wheel", "Zoom in / out (around the cursor)"},
            new String[] {"Space+drag, middle drag", "Pan"},
            new String[] {"?", "This help (Esc closes)"});

    /** The help overlay: a card over the canvas; click or Esc closes it. */
    public static StackPane overlay() {
        GridPane g = new GridPane();
        g.setHgap(18);
        g.setVgap(6);
        int row = 0;
        for (String[] s : ALL) {
            Label k = new Label(s[0]);
            k.getStyleClass().add("key-cap");
            Label d = new Label(s[1]);
            g.addRow(row++, k, d);
        }
        Label title = new Label("Keyboard shortcuts");
        title.getStyleClass().add("help-title");
        Label hint = new Label("Everything is saved as you go; there is no save button.");
        hint.getStyleClass().add("muted");
        VBox card = new VBox(12, title, g, hint);
        card.getStyleClass().add("help-card");
        card.setPadding(new Insets(20));
        card.setMaxSize(VBox.USE_PREF_SIZE, VBox.USE_PREF_SIZE);
        StackPane p = new StackPane(card);
        p.getStyleClass().add("help-overlay");
        p.setId("helpOverlay");
        p.setAlignment(Pos.CENTER);
        p.setVisible(false);
        p.setOnMouseClicked(e -> p.setVisible(false));
        return p;
    }
}
