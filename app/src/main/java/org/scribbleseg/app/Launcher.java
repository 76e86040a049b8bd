package org.scribbleseg.app;

import javafx.application.Application;
import org.scribbleseg.engine.cli.Defaults;

/**
 * Plain entry point (not the {@link Application} subclass, so the JavaFX jars work from the class path).
 * Arguments: an optional project folder ({@code <name>.sseg}); without one the demo project opens when it exists
 * ({@code projects/demo/demo.sseg} below the working folder), else the start screen.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        Defaults.applyOfflineDefaults();
        Application.launch(ScribbleSegApp.class, args);
    }
}
