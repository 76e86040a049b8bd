package org.scribbleseg.app;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import org.scribbleseg.engine.util.TaskMonitor;

/**
 * The app's {@link TaskMonitor}: a task on any thread reports here and never waits; the reports reach {@code onFx} on
 * the FX thread, coalesced (at most one {@code Platform.runLater} pending; a burst of reports shows as its newest, so a
 * fast parallel export cannot flood the FX queue). Cancelled when {@code cancelled} answers true (e.g. the status
 * line's Cancel).
 */
final class FxTaskMonitor implements TaskMonitor {
    private record Report(long done, long total, String message) {
    }

    private final TaskMonitor onFx;
    private final BooleanSupplier cancelled;
    private final AtomicReference<Report> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    FxTaskMonitor(TaskMonitor onFx, BooleanSupplier cancelled) {
        this.onFx = Objects.requireNonNull(onFx, "onFx");
        this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    }

    /** Never cancelled. */
    FxTaskMonitor(TaskMonitor onFx) {
        this(onFx, () -> false);
    }

    @Override
    public void progress(long done, long total, String message) {
        latest.set(new Report(done, total, message == null ? "" : message));
        if (scheduled.compareAndSet(false, true)) {
            Platform.runLater(this::deliver);
        }
    }

    private void deliver() {
        scheduled.set(false);
        Report r = latest.getAndSet(null);
        if (r != null) {
            onFx.progress(r.done(), r.total(), r.message());
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }
}
