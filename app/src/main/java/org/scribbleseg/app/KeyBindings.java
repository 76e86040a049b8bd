package org.scribbleseg.app;

import javafx.scene.Node;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;

/** The main window's keyboard shortcuts (the help overlay lists them); typing into a text field is left alone. */
final class KeyBindings {
    private final MainWindow w;

    KeyBindings(MainWindow w) {
        this.w = w;
    }

    void pressed(KeyEvent e) {
        Node focus = w.root().getScene() == null ? null : w.root().getScene().getFocusOwner();
        if (focus instanceof TextInputControl) {
            if (e.getCode() == KeyCode.ESCAPE) {
                w.canvas().requestFocus();
                e.consume();
            }
            return;
        }
        boolean ctrl = e.isShortcutDown();
        KeyCode k = e.getCode();
        boolean handled = true;
        if (ctrl && k == KeyCode.Z) {
            if (e.isShiftDown()) {
                w.redo();
            } else {
                w.undo();
            }
        } else if (ctrl && k == KeyCode.Y) {
            w.redo();
        } else if (ctrl && (k == KeyCode.DIGIT1 || k == KeyCode.NUMPAD1)) {
            w.canvas().actualSize();
        } else if (ctrl || e.isAltDown()) {
            handled = false;
        } else if (k == KeyCode.SPACE) {
            w.canvas().setSpaceDown(true);
        } else if (k == KeyCode.DIGIT0 || k == KeyCode.NUMPAD0) {
            w.canvas().fit();
        } else if (k.isDigitKey()) {
            String name = k.getName();
            w.palette().selectByNumber(name.charAt(name.length() - 1) - '0');
        } else if (k == KeyCode.B) {
            w.canvas().toolProperty().set(Tool.BRUSH);
        } else if (k == KeyCode.P) {
            w.canvas().toolProperty().set(Tool.POINT);
        } else if (k == KeyCode.E) {
            w.canvas().toolProperty().set(Tool.ERASER);
        } else if (k == KeyCode.I) {
            w.canvas().toolProperty().set(Tool.IGNORE);
        } else if (k == KeyCode.R) {
            w.canvas().toolProperty().set(Tool.ACCEPT_REGION);
        } else if (k == KeyCode.F) {
            w.canvas().toolProperty().set(Tool.FILL_REGION);
        } else if (k == KeyCode.O) {
            w.canvas().showPredictionProperty().set(!w.canvas().showPredictionProperty().get());
        } else if (k == KeyCode.U) {
            w.canvas().showUncertaintyProperty().set(!w.canvas().showUncertaintyProperty().get());
            if (w.canvas().showUncertaintyProperty().get() && !w.canvas().hasUncertainty()) {
                w.notifier().info("No uncertainty yet", "Uncertainty comes with the live prediction of this image.");
            }
        } else if (k == KeyCode.N) {
            w.nextImage();
        } else if (k == KeyCode.A) {
            w.accept();
        } else if (k == KeyCode.D) {
            w.toggleDone();
        } else if (k == KeyCode.DELETE || k == KeyCode.BACK_SPACE) {
            w.confirmClear();
        } else if (k == KeyCode.ESCAPE) {
            w.hideHelp();
        } else if (k == KeyCode.F1) {
            w.toggleHelp();
        } else {
            handled = false;
        }
        if (handled) {
            e.consume();
        }
    }

    void released(KeyEvent e) {
        if (e.getCode() == KeyCode.SPACE) {
            w.canvas().setSpaceDown(false);
            if (!(w.root().getScene() != null && w.root().getScene().getFocusOwner() instanceof TextInputControl)) {
                e.consume();
            }
        }
    }

    void typed(KeyEvent e) {
        if (w.root().getScene() != null && w.root().getScene().getFocusOwner() instanceof TextInputControl) {
            return;
        }
        switch (e.getCharacter()) {
            case "?" -> w.toggleHelp();
            case "[" -> w.brush(1 / 1.25);
            case "]" -> w.brush(1.25);
            case "+", "=" -> w.canvas().zoomAt(1.25, w.canvas().getWidth() / 2, w.canvas().getHeight() / 2);
            case "-" -> w.canvas().zoomAt(0.8, w.canvas().getWidth() / 2, w.canvas().getHeight() / 2);
            default -> {
                return;
            }
        }
        e.consume();
    }
}
