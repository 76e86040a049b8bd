package org.scribbleseg.engine.job;

import java.util.concurrent.CompletableFuture;

/** A submitted job: cancel it, or wait for its outcome. */
public final class JobHandle {
    private final String id;
    private final String title;
    private volatile boolean cancelled;
    private volatile String failure;
    final CompletableFuture<EngineEvent.Outcome> done = new CompletableFuture<>();

    JobHandle(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    /** Asks the job to stop; a job not yet started never starts. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Why the job failed (null unless it did). */
    public String failure() {
        return failure;
    }

    void failed(String message) {
        failure = message;
    }

    /** Completes with the outcome when the job ended. */
    public CompletableFuture<EngineEvent.Outcome> outcome() {
        return done;
    }
}
