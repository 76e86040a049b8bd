package org.scribbleseg.app;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import javafx.application.Platform;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.util.ThreadPools;

/**
 * Where the UI's store reads and writes run: one thread, so writes keep the user's order and a read issued after a
 * write sees it. Image decoding runs on {@link #images()} so a slow decode never delays a stroke's commit. Results
 * come back on the FX thread; the FX thread never waits on either. One instance per open project
 * ({@link #of(Engine)}, the window's) and one for the shell's own work before a project is open
 * ({@link #standalone}); {@link #close} ends its threads once the work queued so far has run.
 */
public final class UiBackground {
    private final ThreadPools pools;
    private final ExecutorService store;
    private final ExecutorService images;
    private final ExecutorService jobs;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private final String prefix;

    /** Threads named {@code prefix + "store"}, {@code prefix + "images"}, {@code prefix + "ui-jobs"}. */
    private UiBackground(String owner, String prefix) {
        this.prefix = prefix;
        this.pools = new ThreadPools(owner);
        this.store = pools.single(prefix + "store", Thread.NORM_PRIORITY);
        this.images = pools.single(prefix + "images", Thread.NORM_PRIORITY);
        this.jobs = pools.single(prefix + "ui-jobs", Thread.NORM_PRIORITY);
    }

    /**
     * The background threads of {@code engine}'s window. They are the app's, not the engine's: the engine is closed
     * on the store thread, after the writes queued before it.
     */
    public static UiBackground of(Engine engine) {
        return new UiBackground("window of " + engine.project().root().getFileName(), "scribbleseg-");
    }

    /** Threads for work that needs no open project (opening one, the models dialog): {@code scribbleseg-<owner>-store}, … */
    public static UiBackground standalone(String owner) {
        return new UiBackground(owner, "scribbleseg-" + owner + "-");
    }

    /** The store thread. */
    public ExecutorService store() {
        return store;
    }

    /** The image decoding thread. */
    public ExecutorService images() {
        return images;
    }

    /** Long user-started work (VOC export and import): never in the way of strokes or image loading. */
    public ExecutorService jobs() {
        return jobs;
    }

    /** One more thread of this window's (e.g. the thumbnails'), ended by {@link #close}. */
    ExecutorService single(String name) {
        return pools.single(prefix + name, Thread.NORM_PRIORITY);
    }

    /** Runs {@code work} on the store thread; {@code onFx} gets its result on the FX thread, {@code onError} a failure. */
    public <T> Future<T> run(Callable<T> work, Consumer<T> onFx, Consumer<Throwable> onError) {
        return on(store, work, onFx, onError);
    }

    /** As {@link #run} for work without a result. */
    public Future<Object> run(ThrowingRunnable work, Runnable onFx, Consumer<Throwable> onError) {
        return on(store, () -> {
            work.run();
            return null;
        }, x -> {
            if (onFx != null) {
                onFx.run();
            }
        }, onError);
    }

    public static <T> Future<T> on(ExecutorService executor, Callable<T> work, Consumer<T> onFx, Consumer<Throwable> onError) {
        return executor.submit(() -> {
            try {
                T result = work.call();
                if (onFx != null) {
                    Platform.runLater(() -> onFx.accept(result));
                }
                return result;
            } catch (Throwable t) {
                if (onError != null) {
                    Platform.runLater(() -> onError.accept(t));
                }
                throw t;
            }
        });
    }

    /**
     * Runs {@code last} on the store thread after everything queued so far (e.g. closing the engine) and ends every
     * thread of this instance once their queued work has run; never blocks the caller. {@link #closed()} completes
     * when {@code last} has run.
     */
    public CompletableFuture<Void> close(ThrowingRunnable last) {
        try {
            store.execute(() -> {
                try {
                    if (last != null) {
                        last.run();
                    }
                    closed.complete(null);
                } catch (Throwable t) {
                    closed.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException already) {
            // closed before: the first close's future stands
        }
        pools.shutdown();
        return closed;
    }

    /** Completes when {@link #close}'s last work has run on the store thread. */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
