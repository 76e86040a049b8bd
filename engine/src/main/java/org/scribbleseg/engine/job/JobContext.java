package org.scribbleseg.engine.job;

/** What a running job sees: its cancellation state and a way to report progress. */
public interface JobContext {
    boolean isCancelled();

    /** Throws {@link JobCancelledException} when the job was cancelled: call it between units of work. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new JobCancelledException();
        }
    }

    /** Reports {@code done} of {@code total} units (total ≤ 0: indeterminate) with a short message. */
    void progress(long done, long total, String message);
}
