package org.scribbleseg.engine.util;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The one progress and cancel model of long tasks (imports, exports, model downloads, pre-labels, feature
 * extraction, DDeP pre-training): the task reports {@code done} of {@code total} units with a short message and asks
 * {@link #isCancelled()} between units, stopping soon when it answers true. Implementations: {@link #NONE} (no
 * reports, never cancelled), {@link #lines} (one line per report, for the CLI and logs), {@link #of} (a report
 * function and a cancel flag), the job queue's {@code JobContext} (its reports become {@code JobProgress} events) and
 * the app's {@code FxTaskMonitor} (reports coalesced onto the FX thread). {@link #progress} may be called from any
 * thread, including several at once (parallel exports); it must return quickly and never block on a UI.
 */
@FunctionalInterface
public interface TaskMonitor {

    /** Hears nothing, never cancelled. */
    TaskMonitor NONE = (done, total, message) -> { };

    /** {@code done} of {@code total} units ({@code total} ≤ 0: not known) with a short message (may be empty). */
    void progress(long done, long total, String message);

    /** True once the task should stop: it then ends at the next unit boundary, reporting what it did so far. */
    default boolean isCancelled() {
        return false;
    }

    /** {@code monitor}, or {@link #NONE} when it is null. */
    static TaskMonitor orNone(TaskMonitor monitor) {
        return monitor == null ? NONE : monitor;
    }

    /** Reports to {@code progress}; cancelled when {@code cancelled} answers true. */
    static TaskMonitor of(TaskMonitor progress, BooleanSupplier cancelled) {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancelled, "cancelled");
        return new TaskMonitor() {
            @Override
            public void progress(long done, long total, String message) {
                progress.progress(done, total, message);
            }

            @Override
            public boolean isCancelled() {
                return cancelled.getAsBoolean();
            }
        };
    }

    /** No reports; cancelled when {@code cancelled} answers true. */
    static TaskMonitor cancelledWhen(BooleanSupplier cancelled) {
        return of(NONE, cancelled);
    }

    /** Each report as one line ({@code message}, or {@code done/total} when the message is empty); never cancelled. */
    static TaskMonitor lines(Consumer<String> out) {
        Objects.requireNonNull(out, "out");
        return (done, total, message) -> out.accept(message == null || message.isEmpty()
                ? total > 0 ? done + "/" + total : Long.toString(done) : message);
    }
}
