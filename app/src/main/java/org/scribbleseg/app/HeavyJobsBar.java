package org.scribbleseg.app;

import java.util.List;
import java.util.Locale;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.RunRecord;

/**
 * The heavy run (worker process) in the status bar: method, step of total, time left and device, a progress bar,
 * Pause/Resume and Cancel. When the project was opened with a run an earlier session left unfinished, it offers to
 * resume it instead. Fed on the FX thread; its buttons call {@link Actions}, which run off the FX thread.
 */
final class HeavyJobsBar extends HBox {

    /** What the buttons do (MainWindow runs them on the background thread). */
    interface Actions {
        void pause(String runId);

        void unpause(String runId);

        void cancel(String runId);

        void resume(String runId);
    }

    private final Label text = new Label();
    private final ProgressBar progress = new ProgressBar(0);
    private final Button pause = new Button("Pause");
    private final Button cancel = new Button("Cancel");
    private final Button resume = new Button("Resume");
    private final Button dismiss = new Button("×");
    private final Actions actions;
    private String runId;
    private String state;

    HeavyJobsBar(Actions actions) {
        super(6);
        this.actions = actions;
        setAlignment(Pos.CENTER_LEFT);
        setId("heavyJob");
        text.setId("heavyJobText");
        progress.setId("heavyJobProgress");
        progress.setPrefWidth(120);
        pause.setId("heavyJobPause");
        cancel.setId("heavyJobCancel");
        resume.setId("heavyJobResume");
        dismiss.setId("heavyJobDismiss");
        cancel.setTooltip(new Tooltip("Stop the background training (its last checkpoint is kept: it can be resumed)"));
        pause.setOnAction(e -> {
            if (runId != null) {
                if ("paused".equals(state)) {
                    actions.unpause(runId);
                } else {
                    actions.pause(runId);
                    pause.setDisable(true); // until the worker says it paused (at its next step)
                }
            }
        });
        cancel.setOnAction(e -> {
            if (runId != null) {
                actions.cancel(runId);
                cancel.setDisable(true);
            }
        });
        resume.setOnAction(e -> {
            if (runId != null) {
                actions.resume(runId);
                resume.setDisable(true);
            }
        });
        dismiss.setOnAction(e -> hideAll());
        hideAll();
    }

    private void hideAll() {
        getChildren().clear();
        setVisible(false);
        setManaged(false);
        runId = null;
        state = null;
    }

    private void show(javafx.scene.Node... nodes) {
        getChildren().setAll(nodes);
        setVisible(true);
        setManaged(true);
    }

    /** The run the heavy lane works on now, or the one it finished. */
    void update(EngineEvent.HeavyRunUpdate u) {
        runId = u.runId();
        state = u.state();
        String steps = u.total() > 0 ? " " + u.step() + "/" + u.total() : "";
        switch (u.state()) {
            case "starting" -> {
                text.setText(u.method() + ": starting the worker…");
                progress.setProgress(-1);
                pause.setDisable(true);
                cancel.setDisable(false);
                show(text, progress, pause, cancel);
            }
            case "running" -> {
                text.setText(u.method() + steps + eta(u.etaSeconds()) + " · " + shortDevice(u.device()));
                progress.setProgress(u.total() > 0 ? (double) u.step() / u.total() : -1);
                pause.setText("Pause");
                pause.setDisable(false);
                cancel.setDisable(false);
                show(text, progress, pause, cancel);
            }
            case "paused" -> {
                text.setText(u.method() + " paused at" + steps);
                pause.setText("Resume");
                pause.setDisable(false);
                show(text, progress, pause, cancel);
            }
            case "done" -> {
                text.setText(u.method() + " finished" + steps);
                progress.setProgress(1);
                show(text, dismiss);
            }
            case "cancelled" -> {
                text.setText(u.method() + " stopped at" + steps + " (can be resumed)");
                show(text, resume, dismiss);
                resume.setDisable(false);
            }
            default -> {
                text.setText(u.method() + " failed: " + u.message());
                text.setTooltip(new Tooltip(u.message()));
                show(text, resume, dismiss);
                resume.setDisable(false);
            }
        }
    }

    /** Runs an earlier session left unfinished: offers to resume the newest. */
    void offerResume(List<RunRecord> interrupted) {
        if (interrupted.isEmpty() || (runId != null && !"cancelled".equals(state) && !"failed".equals(state))) {
            return;
        }
        RunRecord r = interrupted.get(0);
        runId = r.id();
        state = "cancelled";
        text.setText(r.method() + " stopped at " + r.step() + "/" + r.total() + (r.message().isBlank() ? "" : " (" + r.message() + ")")
                + (interrupted.size() > 1 ? "; " + (interrupted.size() - 1) + " more unfinished" : ""));
        resume.setDisable(false);
        show(text, resume, dismiss);
    }

    private static String eta(double s) {
        if (!Double.isFinite(s) || s <= 0) {
            return "";
        }
        if (s < 60) {
            return String.format(Locale.ROOT, " · %.0f s left", s);
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, " · %.0f min left", s / 60);
        }
        return String.format(Locale.ROOT, " · %.1f h left", s / 3600);
    }

    private static String shortDevice(String d) {
        int i = d.indexOf(" — ");
        return (i < 0 ? d : d.substring(0, i)).replace("cpu()", "CPU").replaceAll("gpu\\((\\d+)\\)", "GPU $1");
    }

    String runId() {
        return runId;
    }
}
