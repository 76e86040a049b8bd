package org.scribbleseg.engine.heavy;

import java.nio.file.Path;
import java.util.Map;

/**
 * Owns the loop of one {@link HeavyJob}: steps it, reports progress with ETA, evaluates every {@code eval_every}
 * steps, checkpoints every {@code checkpoint_every} steps (or, when that is not set, after every
 * {@code checkpoint_seconds} of work, default 120 s) and at the end, pauses and cancels between steps. Pausing
 * writes a checkpoint first, so a paused run survives the worker being killed. Control methods may be called from
 * any thread.
 */
public final class HeavyRunner {
    public static final int DEFAULT_CHECKPOINT_SECONDS = 120;

    private final HeavyJob job;
    private final HeavyContext ctx;
    private final RunEvents events;
    private final Object lock = new Object();
    private boolean pauseRequested;
    private volatile boolean cancelRequested;

    public HeavyRunner(HeavyJob job, HeavyContext ctx, RunEvents events) {
        this.job = job;
        this.ctx = ctx;
        this.events = events;
    }

    public void pause() {
        synchronized (lock) {
            pauseRequested = true;
        }
    }

    public void resume() {
        synchronized (lock) {
            pauseRequested = false;
            lock.notifyAll();
        }
    }

    public void cancel() {
        cancelRequested = true;
        resume();
    }

    /**
     * Runs the job from a fresh start or, when {@code from} is not null, from that checkpoint, to the end (or a
     * cancel). Exceptions of the job propagate; the caller reports them.
     */
    private double lossSum;
    private long lossCount;

    public void run(Checkpoint from) throws Exception {
        job.init(ctx);
        long step = 0;
        if (from != null) {
            job.restore(from);
            step = from.step();
        }
        long total = job.totalSteps();
        events.started(ctx.device().toString(), step, total, from != null);
        int every = ctx.intOr("checkpoint_every", 0);
        double seconds = ctx.doubleOr("checkpoint_seconds", DEFAULT_CHECKPOINT_SECONDS);
        int evalEvery = ctx.intOr("eval_every", 0);
        long sessionStart = System.nanoTime();
        long sessionSteps = 0;
        long lastCheckpoint = System.nanoTime();
        Path last = null;
        while (step < (total = job.totalSteps())) { // a job may measure its step count again (a time budget)
            if (cancelRequested) {
                Path dir = save(step);
                events.cancelled(step, dir);
                return;
            }
            if (isPauseRequested()) {
                Path dir = save(step);
                events.checkpoint(step, dir);
                events.paused(step);
                waitWhilePaused();
                if (cancelRequested) {
                    events.cancelled(step, dir);
                    return;
                }
                events.resumed(step);
                sessionStart = System.nanoTime();
                sessionSteps = 0;
                lastCheckpoint = System.nanoTime();
            }
            double loss = job.step(step);
            if (Double.isFinite(loss)) {
                lossSum += loss;
                lossCount++;
            }
            step++;
            sessionSteps++;
            double elapsed = (System.nanoTime() - sessionStart) / 1e9;
            double rate = sessionSteps / Math.max(elapsed, 1e-9);
            events.progress(step, total, loss, (total - step) / rate, rate);
            if (evalEvery > 0 && step % evalEvery == 0 && step < total) {
                events.metrics(step, withLoss(job.evaluate()));
            }
            boolean due = every > 0 ? step % every == 0 : (System.nanoTime() - lastCheckpoint) / 1e9 >= seconds;
            if (due && step < total) {
                last = save(step);
                lastCheckpoint = System.nanoTime();
                events.checkpoint(step, last);
            }
        }
        Map<String, Double> m = job.evaluate();
        Map<String, Double> withLoss = withLoss(m);
        if (!withLoss.isEmpty()) {
            events.metrics(step, withLoss);
        }
        last = save(step);
        events.checkpoint(step, last);
        events.finished(step, last, m);
    }

    /**
     * An evaluation with {@code loss}, the mean training loss of the steps since the previous evaluation (this
     * session's), unless the job reports its own; the Model panel charts both.
     */
    private Map<String, Double> withLoss(Map<String, Double> m) {
        if (lossCount == 0 || m.containsKey("loss")) {
            return m;
        }
        Map<String, Double> out = new java.util.LinkedHashMap<>(m);
        out.put("loss", lossSum / lossCount);
        lossSum = 0;
        lossCount = 0;
        return out;
    }

    private Path save(long step) throws Exception {
        Checkpoint.Writer w = new Checkpoint.Writer();
        job.save(w);
        w.state().set("config", ctx.config());
        return w.write(ctx.runDir(), step);
    }

    private boolean isPauseRequested() {
        synchronized (lock) {
            return pauseRequested;
        }
    }

    private void waitWhilePaused() throws InterruptedException {
        synchronized (lock) {
            while (pauseRequested && !cancelRequested) {
                lock.wait();
            }
        }
    }
}
