package org.scribbleseg.app;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.scene.control.Button;
import javafx.scene.control.Tooltip;
import org.controlsfx.control.StatusBar;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.Lane;

/**
 * The jobs' part of the main window's status bar: the progress of the engine job shown (with time left and a
 * Cancel button), the app's own long commands (import, export), and the heavy runs' bar. Fed from the event stream
 * on the FX thread.
 */
final class JobStatusLine {
    /**
     * An interactive job (the head retraining after each stroke) appears in the status bar once it has run this long;
     * quick ones would only make it flicker. Feature extraction, export and the other background jobs show at once.
     */
    private static final long SHOW_JOB_AFTER_NANOS = 300_000_000L;

    private final StatusBar statusBar;
    private final Notifier notifier;
    private final Button cancelJob = new Button("Cancel");
    /** Set by Cancel: the app's own long command (import, export) stops at its next step. */
    private final AtomicBoolean uiJobCancel = new AtomicBoolean();
    /** The engine job whose progress the status bar shows (cancelled by the Cancel button). */
    private String shownJob;
    private final JobEta jobEta = new JobEta();
    /** Heavy runs (worker process): progress, time left, pause/resume, cancel, resume after a crash. */
    private final HeavyJobsBar heavyBar;
    private final Set<String> heavyJobIds = new HashSet<>();

    JobStatusLine(MainWindow w, StatusBar statusBar) {
        this.statusBar = statusBar;
        this.notifier = w.notifier();
        cancelJob.setId("cancelJob");
        cancelJob.setVisible(false);
        cancelJob.setTooltip(new Tooltip("Cancel the job shown in the status bar"));
        cancelJob.setOnAction(e -> {
            uiJobCancel.set(true);
            String job = shownJob;
            w.work(() -> {
                if (job == null || !w.engine().jobs().cancel(job)) {
                    w.engine().jobs().cancelAll();
                }
            }, () -> statusBar.setText("Cancelling…"), "Could not cancel");
        });
        heavyBar = new HeavyJobsBar(new HeavyJobsBar.Actions() {
            @Override
            public void pause(String runId) {
                w.work(() -> w.engine().heavy().pause(runId), (Boolean ok) -> { }, "Could not pause the training");
            }

            @Override
            public void unpause(String runId) {
                w.work(() -> w.engine().heavy().unpause(runId), (Boolean ok) -> { }, "Could not resume the training");
            }

            @Override
            public void cancel(String runId) {
                w.work(() -> w.engine().heavy().cancel(runId), (Boolean ok) -> { }, "Could not stop the training");
            }

            @Override
            public void resume(String runId) {
                w.work(() -> w.engine().heavy().resume(runId), (Runnable) null, "Could not resume the training");
            }
        });
        statusBar.getRightItems().addAll(heavyBar, cancelJob);
    }

    HeavyJobsBar heavyBar() {
        return heavyBar;
    }

    /**
     * Starts the app's own long command: shows {@code text} (indeterminate) and the Cancel button, and returns the
     * command's monitor: its reports show as {@code label: n of total}, Cancel cancels it. {@link #uiJob} with NaN ends it.
     */
    FxTaskMonitor startUiJob(String text, String label) {
        uiJobCancel.set(false);
        uiJob(text, -1);
        return new FxTaskMonitor((done, total, message) -> uiJob(label + ": " + done + " of " + total,
                total <= 0 ? -1 : (double) done / total), uiJobCancel::get);
    }

    /** Progress of the app's own long command; NaN when it finished. */
    void uiJob(String text, double value) {
        statusBar.setText(text);
        boolean finished = Double.isNaN(value);
        statusBar.setProgress(finished ? 0 : value);
        cancelJob.setVisible(!finished);
    }

    /** Heavy run updates, job progress and job ends; other events are not the status line's. */
    void onEvent(EngineEvent e) {
        if (e instanceof EngineEvent.HeavyRunUpdate u) {
            if (u.jobId() != null) {
                heavyJobIds.add(u.jobId());
            }
            heavyBar.update(u);
        } else if (e instanceof EngineEvent.JobProgress p) {
            if (heavyJobIds.contains(p.jobId())) {
                return; // shown by the heavy bar, beside the interactive jobs' line
            }
            long now = System.nanoTime();
            String eta = jobEta.update(p.jobId(), p.done(), p.total(), now);
            if (!p.jobId().equals(shownJob) && p.lane() == Lane.INTERACTIVE
                    && jobEta.age(p.jobId(), now) < SHOW_JOB_AFTER_NANOS) {
                return; // the head retraining after a stroke is over long before anyone could read it
            }
            shownJob = p.jobId();
            statusBar.setText(p.title() + (p.total() > 0 ? " " + p.done() + "/" + p.total() : "")
                    + (p.message() == null || p.message().isBlank() ? "" : ": " + p.message()) + eta);
            statusBar.setProgress(p.total() > 0 ? (double) p.done() / p.total() : -1);
            cancelJob.setVisible(true);
        } else if (e instanceof EngineEvent.JobFinished f) {
            jobEta.finished(f.jobId());
            // jobs that never reported progress (predicting the neighbours, say) leave the status bar alone
            if (f.jobId().equals(shownJob)) {
                shownJob = null;
                statusBar.setProgress(0);
                cancelJob.setVisible(false);
                statusBar.setText(f.title() + " " + f.outcome().name().toLowerCase());
            }
            if (f.outcome() == EngineEvent.Outcome.FAILED) {
                notifier.error(f.title() + " failed", f.message(), null);
            }
        }
    }
}
