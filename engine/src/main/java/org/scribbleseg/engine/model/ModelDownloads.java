package org.scribbleseg.engine.model;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.util.ThreadPools;

/**
 * Runs {@link ModelStore} downloads on background threads for a UI: progress with speed and time left (at most
 * every {@link #PROGRESS_INTERVAL_MS} ms, plus each file's first and last update), cancellation, and one outcome per download.
 * Needs no open project. Listener methods are called on the download's own threads, never on the caller's.
 */
public final class ModelDownloads implements AutoCloseable {

    static final long PROGRESS_INTERVAL_MS = 100;

    /**
     * Where a download stands: the file being fetched, its bytes done and total (-1 unknown), bytes received by this
     * download so far, the mean speed of this download and the seconds left for the current file (-1 unknown).
     */
    public record Status(String model, String file, long fileDone, long fileTotal, long received, double bytesPerSecond,
                         long secondsLeft) {
    }

    /** What the UI hears about a download. Exactly one of done / failed / cancelled ends it. */
    public interface Listener {
        void progress(Status status);

        void done(Path dir);

        void failed(ModelStoreException error);

        void cancelled(String message);
    }

    /** A running download. */
    public static final class Download {
        private final AtomicBoolean cancel = new AtomicBoolean();

        /** Asks the download to stop; the listener then hears {@code cancelled} (or {@code done} if it had finished). */
        public void cancel() {
            cancel.set(true);
        }

        public boolean cancelRequested() {
            return cancel.get();
        }
    }

    private final ModelStore store;
    /** Its own pools: downloads need no project, so no engine owns them; {@link #close()} ends them. */
    private final ThreadPools pools = new ThreadPools("model downloads");
    private final ExecutorService threads = pools.cached("scribbleseg-model-download");
    private final ScheduledExecutorService timer = pools.scheduled("scribbleseg-model-download-progress");

    public ModelDownloads(ModelStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public ModelStore store() {
        return store;
    }

    /** Starts downloading a catalog model (by name or hub id) in the background. */
    public Download start(String nameOrRepo, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        Download d = new Download();
        threads.execute(() -> run(nameOrRepo, listener, d));
        return d;
    }

    private void run(String model, Listener listener, Download d) {
        Meter meter = new Meter(model, listener, timer);
        try {
            Path dir = store.download(model, TaskMonitor.of((done, total, file) -> meter.update(file, done, total),
                    d::cancelRequested));
            meter.close();
            listener.done(dir);
        } catch (DownloadCancelledException e) {
            meter.close();
            listener.cancelled(e.getMessage());
        } catch (ModelStoreException e) {
            meter.close();
            listener.failed(e);
        } catch (RuntimeException e) {
            meter.close();
            listener.failed(new ModelStoreException("download of " + model + " failed: " + e, e));
        }
    }

    /**
     * Turns per-file byte counts into throttled statuses with speed and time left. A count held back by the throttle
     * is sent a moment later, so when the data stops (a stalled server) the listener still hears the last count.
     */
    private static final class Meter {
        private final String model;
        private final Listener listener;
        private final ScheduledExecutorService timer;
        private Status pending;
        private boolean closed;
        private final long started = System.nanoTime();
        private final Map<String, Long> lastDone = new HashMap<>();
        private long received;
        private long lastSent;
        private String lastFile;

        Meter(String model, Listener listener, ScheduledExecutorService timer) {
            this.model = model;
            this.listener = listener;
            this.timer = timer;
        }

        synchronized void update(String file, long done, long total) {
            Long last = lastDone.put(file, done);
            if (last != null && done >= last) {
                received += done - last; // the first count of a file is where it resumes: nothing received yet
            }
            long now = System.nanoTime();
            double seconds = (now - started) / 1e9;
            double speed = seconds > 0 ? received / seconds : 0;
            long left = total >= 0 && speed > 0 ? (long) Math.ceil((total - done) / speed) : -1;
            Status s = new Status(model, file, done, total, received, speed, left);
            boolean fileDone = total >= 0 && done >= total;
            long wait = lastSent + PROGRESS_INTERVAL_MS * 1_000_000 - now;
            if (!fileDone && file.equals(lastFile) && wait > 0) {
                if (pending == null && !timer.isShutdown()) {
                    timer.schedule(this::flush, wait, TimeUnit.NANOSECONDS);
                }
                pending = s;
                return;
            }
            send(s, now);
        }

        private synchronized void flush() {
            if (pending != null && !closed) {
                send(pending, System.nanoTime());
            }
        }

        private void send(Status s, long now) {
            pending = null;
            lastSent = now;
            lastFile = s.file();
            listener.progress(s);
        }

        /** No status after the outcome. */
        synchronized void close() {
            closed = true;
            pending = null;
        }
    }

    /** Takes no new downloads; running ones end on their own or through {@link Download#cancel()}. */
    @Override
    public void close() {
        threads.shutdown();
        timer.shutdown();
    }
}
