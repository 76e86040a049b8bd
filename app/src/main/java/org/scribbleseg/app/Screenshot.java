package org.scribbleseg.app;

import java.nio.file.Path;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import javafx.util.Duration;

/**
 * Renders the main window of a project at 1400×900 to a PNG (a Scene snapshot, so it works under Monocle headless
 * too). Arguments: {@code [project] [out.png] [light|dark] [image stem to show]}; defaults: the demo project and
 * {@code ui-resources/screenshots/main-window.png}. A template project (the demo) opens as a fresh working copy in a
 * temporary data folder (unless {@code -Dscribbleseg.data} is given), so the picture shows the demo as shipped; any
 * other project is written to (settings), so point it at a copy.
 */
public final class Screenshot {
    private static final long TIMEOUT_MS = 60_000;

    private Screenshot() {
    }

    public static void main(String[] args) throws java.io.IOException {
        org.scribbleseg.engine.Engine.applyOfflineDefaults();
        if (System.getProperty("scribbleseg.data") == null) {
            System.setProperty("scribbleseg.data", java.nio.file.Files.createTempDirectory("scribbleseg-screenshot").toString());
        }
        Application.launch(Shooter.class, args);
    }

    /** The Application subclass (kept off the main class so the JavaFX jars work from the class path). */
    public static final class Shooter extends Application {
    @Override
    public void start(Stage stage) {
        var a = getParameters().getUnnamed();
        Path project = a.size() > 0 ? Path.of(a.get(0)) : ScribbleSegApp.DEMO;
        Path out = a.size() > 1 ? Path.of(a.get(1)) : Path.of("ui-resources", "screenshots", "main-window.png");
        boolean dark = a.size() > 2 && a.get(2).equals("dark");
        String stem = a.size() > 3 ? a.get(3) : null;
        boolean[] shown = {stem == null};
        ScribbleSegApp app = new ScribbleSegApp();
        app.startWith(stage, project);
        Themes.apply(stage.getScene(), dark); // for this picture only: the user's theme preference stays
        long t0 = System.currentTimeMillis();
        long[] idleSince = {0};
        Timeline poll = new Timeline();
        poll.getKeyFrames().add(new KeyFrame(Duration.millis(250), e -> {
            if (!shown[0] && app.window() != null) {
                app.window().browser().images().stream().filter(x -> x.stem().equals(stem)).findFirst().ifPresent(x -> {
                    shown[0] = true;
                    app.window().selectImage(x.id());
                });
            }
            // idle, and the live prediction shown (or 30 s without one: the picture then says "No prediction yet")
            boolean idle = shown[0] && app.window() != null && app.window().isIdle()
                    && (app.window().canvas().hasPrediction() || System.currentTimeMillis() - t0 > 30_000);
            long now = System.currentTimeMillis();
            idleSince[0] = idle ? (idleSince[0] == 0 ? now : idleSince[0]) : 0;
            boolean timedOut = now - t0 > TIMEOUT_MS;
            if ((idle && now - idleSince[0] > 2500) || timedOut) {
                poll.stop();
                try {
                    PngWriter.write(stage.getScene().snapshot(null), out);
                    System.out.println((timedOut ? "timed out; wrote " : "wrote ") + out.toAbsolutePath());
                } catch (Exception ex) {
                    ex.printStackTrace();
                }
                Platform.exit();
            }
        }));
        poll.setCycleCount(Timeline.INDEFINITE);
        poll.play();
    }
    }
}
