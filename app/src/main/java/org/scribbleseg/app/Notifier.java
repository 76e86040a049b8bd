package org.scribbleseg.app;

import javafx.animation.PauseTransition;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.scribbleseg.engine.project.ProjectException;

/**
 * In-window, non-modal notifications (bottom right of the view): what happened, why, and what to do about it.
 * Errors stay until closed; information fades after a few seconds.
 */
public final class Notifier extends VBox {

    public Notifier() {
        getStyleClass().add("toasts");
        setId("toasts");
        setAlignment(Pos.BOTTOM_RIGHT);
        setSpacing(8);
        setPickOnBounds(false);
        setMaxSize(USE_PREF_SIZE, USE_PREF_SIZE);
    }

    public void info(String title, String text) {
        show("toast-info", title, text, Duration.seconds(5));
    }

    public void error(String title, String reason, String fix) {
        show("toast-error", title, reason + (fix == null || fix.isBlank() ? "" : "\n" + fix), null);
    }

    /** An error from the store or engine: its message already says what failed and why. */
    public void error(String title, Throwable t, String fix) {
        Throwable cause = t;
        while (cause.getCause() != null && !(cause instanceof ProjectException)) {
            cause = cause.getCause();
        }
        String msg = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        error(title, msg, fix);
    }

    private void show(String style, String title, String text, Duration ttl) {
        Label head = new Label(title);
        head.getStyleClass().add("toast-title");
        Label body = new Label(text);
        body.getStyleClass().add("toast-text");
        body.setWrapText(true);
        body.setMaxWidth(340);
        Button close = new Button("×");
        close.getStyleClass().add("toast-close");
        HBox top = new HBox(8, head, close);
        HBox.setHgrow(head, Priority.ALWAYS);
        head.setMaxWidth(Double.MAX_VALUE);
        VBox box = new VBox(4, top, body);
        box.getStyleClass().addAll("toast", style);
        box.setMaxWidth(380);
        close.setOnAction(e -> getChildren().remove(box));
        getChildren().add(box);
        while (getChildren().size() > 4) {
            getChildren().remove(0);
        }
        if (ttl != null) {
            PauseTransition p = new PauseTransition(ttl);
            p.setOnFinished(e -> getChildren().remove(box));
            p.play();
        }
    }
}
