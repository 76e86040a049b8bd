package org.scribbleseg.engine.job;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.scribbleseg.engine.util.ThreadPools;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background workers (one interactive thread, a features pool, one heavy thread) running {@link Job}s and
 * publishing {@link EngineEvent.JobProgress} and {@link EngineEvent.JobFinished}. Coalescing: a job submitted
 * under a key cancels the previous job of that key (a newer annotation revision makes the stale training job
 * pointless), whether it is still waiting or already running. Failures and cancellations are always reported.
 */
public final class JobQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);

    private final Map<Lane, ExecutorService> lanes = new EnumMap<>(Lane.class);
    private final Map<String, JobHandle> byKey = new ConcurrentHashMap<>();
    private final Map<String, JobHandle> active = new ConcurrentHashMap<>();
    private final Consumer<EngineEvent> events;
    private final AtomicLong ids = new AtomicLong();
    private final ThreadPools ownThreads;

    /** A queue on threads of its own, stopped by {@link #close()}. */
    public JobQueue(Consumer<EngineEvent> events, int featureThreads) {
        this(events, featureThreads, null);
    }

    /**
     * A queue whose lanes are pools of {@code threads} (the engine's), shut down by {@link #close()} and at the
     * latest with {@code threads}; null: pools of its own.
     */
    public JobQueue(Consumer<EngineEvent> events, int featureThreads, ThreadPools threads) {
        this.events = events;
        this.ownThreads = threads == null ? new ThreadPools("job queue") : null;
        ThreadPools t = threads == null ? ownThreads : threads;
        lanes.put(Lane.INTERACTIVE, t.fixed("sseg-interactive", 1, Thread.MAX_PRIORITY));
        lanes.put(Lane.FEATURES, t.fixed("sseg-features", featureThreads, Thread.NORM_PRIORITY));
        lanes.put(Lane.HEAVY, t.fixed("sseg-heavy", 1, Thread.MIN_PRIORITY));
    }

    /** Submits a job. */
    public JobHandle submit(Lane lane, String title, Job job) {
        return submit(lane, null, title, job);
    }

    /** Submits a job under {@code key}: the previous job of the same key is cancelled. */
    public JobHandle submit(Lane lane, String key, String title, Job job) {
        JobHandle h = new JobHandle(lane.name().toLowerCase() + "-" + ids.incrementAndGet(), title);
        if (key != null) {
            JobHandle previous = byKey.put(key, h);
            if (previous != null) {
                previous.cancel();
            }
        }
        active.put(h.id(), h);
        try {
            lanes.get(lane).execute(() -> runJob(lane, key, h, job));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // submitted while the queue closes (e.g. a running job's follow-up): dropped as cancelled, not an error
            active.remove(h.id());
            if (key != null) {
                byKey.remove(key, h);
            }
            h.cancel();
            h.done.complete(EngineEvent.Outcome.CANCELLED);
            LOG.debug("job '{}' dropped: the queue is closing", title);
        }
        return h;
    }

    private void runJob(Lane lane, String key, JobHandle h, Job job) {
        EngineEvent.Outcome outcome;
        String message;
        try {
            if (h.isCancelled()) {
                throw new JobCancelledException();
            }
            job.run(new JobContext() {
                @Override
                public boolean isCancelled() {
                    return h.isCancelled();
                }

                @Override
                public void progress(long done, long total, String msg) {
                    publish(new EngineEvent.JobProgress(h.id(), lane, h.title(), done, total, msg == null ? "" : msg));
                }
            });
            outcome = h.isCancelled() ? EngineEvent.Outcome.CANCELLED : EngineEvent.Outcome.COMPLETED;
            message = outcome == EngineEvent.Outcome.CANCELLED ? "cancelled" : "done";
        } catch (JobCancelledException e) {
            outcome = EngineEvent.Outcome.CANCELLED;
            message = "cancelled";
        } catch (Throwable e) {
            outcome = EngineEvent.Outcome.FAILED;
            message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.warn("job '{}' failed: {}", h.title(), message, e);
            h.failed(message);
        } finally {
            active.remove(h.id());
            if (key != null) {
                byKey.remove(key, h);
            }
        }
        publish(new EngineEvent.JobFinished(h.id(), h.title(), outcome, message));
        h.done.complete(outcome);
    }

    private void publish(EngineEvent e) {
        try {
            events.accept(e);
        } catch (RuntimeException ex) {
            LOG.warn("event listener failed on {}: {}", e, ex.toString());
        }
    }

    /** Cancels one job by the id its events carry; false when it already finished (or never existed). */
    public boolean cancel(String jobId) {
        JobHandle h = active.get(jobId);
        if (h == null) {
            return false;
        }
        h.cancel();
        return true;
    }

    /** Cancels the job submitted under {@code key}, if one is waiting or running; true when there was one. */
    public boolean cancelKey(String key) {
        JobHandle h = byKey.get(key);
        if (h == null) {
            return false;
        }
        h.cancel();
        return true;
    }

    /** Cancels every job not yet finished. */
    public void cancelAll() {
        active.values().forEach(JobHandle::cancel);
    }

    /** Number of submitted jobs that have not finished. */
    public int pending() {
        return active.size();
    }

    @Override
    public void close() {
        cancelAll();
        for (ExecutorService ex : lanes.values()) {
            ex.shutdown();
        }
        for (ExecutorService ex : lanes.values()) {
            try {
                if (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                    ex.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.shutdownNow();
            }
        }
        if (ownThreads != null) {
            ownThreads.close();
        }
    }
}
