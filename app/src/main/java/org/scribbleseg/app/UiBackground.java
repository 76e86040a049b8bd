package org.scribbleseg.app;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import javafx.application.Platform;

/**
 * Where the UI's store reads and writes run: one thread, so writes keep the user's order and a read issued after a
 * write sees it. Image decoding runs on {@link #images()} so a slow decode never delays a stroke's commit. Results
 * come back on the FX thread; the FX thread never waits on either.
 */
public final class UiBackground {
    private static final ExecutorService STORE = Executors.newSingleThreadExecutor(daemon("scribbleseg-store"));
    private static final ExecutorService IMAGES = Executors.newSingleThreadExecutor(daemon("scribbleseg-images"));
    private static final ExecutorService JOBS = Executors.newSingleThreadExecutor(daemon("scribbleseg-ui-jobs"));

    private UiBackground() {
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The store thread. */
    public static ExecutorService store() {
        return STORE;
    }

    /** The image decoding thread. */
    public static ExecutorService images() {
        return IMAGES;
    }

    /** Long user-started work (VOC export and import): never in the way of strokes or image loading. */
    public static ExecutorService jobs() {
        return JOBS;
    }

    /** Runs {@code work} on the store thread; {@code onFx} gets its result on the FX thread, {@code onError} a failure. */
    public static <T> Future<T> run(Callable<T> work, Consumer<T> onFx, Consumer<Throwable> onError) {
        return on(STORE, work, onFx, onError);
    }

    /** As {@link #run} for work without a result. */
    public static Future<Object> run(ThrowingRunnable work, Runnable onFx, Consumer<Throwable> onError) {
        return on(STORE, () -> {
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

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
