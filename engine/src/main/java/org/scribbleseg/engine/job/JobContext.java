package org.scribbleseg.engine.job;

import org.scribbleseg.engine.util.TaskMonitor;

/**
 * What a running job sees: its cancellation state and a way to report progress. It is the job's {@link TaskMonitor}:
 * hand it to an import, export or download run inside the job and their progress becomes the job's
 * {@link EngineEvent.JobProgress}, cancelling the job cancels them.
 */
public interface JobContext extends TaskMonitor {
    @Override
    boolean isCancelled();

    /** Throws {@link JobCancelledException} when the job was cancelled: call it between units of work. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new JobCancelledException();
        }
    }

    /** Reports {@code done} of {@code total} units (total ≤ 0: indeterminate) with a short message. */
    @Override
    void progress(long done, long total, String message);
}
