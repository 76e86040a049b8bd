package org.scribbleseg.engine.job;

/** Thrown inside a job when it notices it was cancelled; the queue reports it as CANCELLED, not as a failure. */
public final class JobCancelledException extends RuntimeException {
    public JobCancelledException() {
        super("cancelled", null, false, false);
    }
}
