package org.scribbleseg.app;

import java.util.Arrays;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javafx.application.Application;

/**
 * Plain entry point (not the {@link Application} subclass, so the JavaFX jars work from the class path).
 * Arguments: an optional project folder ({@code <name>.sseg}); without one the demo project opens when it exists
 * ({@code projects/demo/demo.sseg} below the working folder), else the start screen. When JavaFX cannot start (GTK 3
 * not installed, no display) it prints one line saying what is missing and how to fix it, and exits with 1.
 */
public final class Launcher {
    /** Held so the level set below stays (loggers are weakly referenced). */
    private static final Logger JAVAFX_LOG = Logger.getLogger("javafx");

    private Launcher() {
    }

    public static void main(String[] args) {
        org.scribbleseg.engine.Engine.applyOfflineDefaults();
        // "Unsupported JavaFX configuration: classes were loaded from 'unnamed module'": running from the class path is
        // how this launcher works on purpose; the warning only buries a real error under it
        JAVAFX_LOG.setLevel(Level.SEVERE);
        try {
            Application.launch(ScribbleSegApp.class, args);
        } catch (RuntimeException e) {
            String self = System.getProperty("scribbleseg.launcher", "app/target/scribbleseg-app");
            String command = (self + " " + Arrays.stream(args).map(Launcher::quote).collect(Collectors.joining(" "))).strip();
            Optional<String> line = DisplayProblem.explain(e, System.getenv(), command);
            if (line.isEmpty()) {
                throw e;
            }
            System.err.println(line.get());
            System.exit(1);
        }
    }

    private static String quote(String a) {
        return a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'";
    }
}
