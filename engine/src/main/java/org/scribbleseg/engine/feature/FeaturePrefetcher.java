package org.scribbleseg.engine.feature;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.scribbleseg.engine.image.RgbImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a {@link FeatureCache} in the background: for an ordered list of images, computes the features of each image
 * not yet cached with one {@link Backbone}, in order, on one task of the given executor (a backbone handles one call
 * at a time). {@link Handle#cancel()} stops before the next image (the image in progress is finished and stored).
 * Progress is reported after every image as (done, total), done counting cached, computed and failed images alike.
 */
public final class FeaturePrefetcher {

    private static final Logger LOG = LoggerFactory.getLogger(FeaturePrefetcher.class);

    /** One image to prefetch: its sha256 and a way to load its pixels (called only when not cached). */
    public record Item(String sha256, Supplier<RgbImage> image) {
        public Item {
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(image, "image");
        }

        public static Item of(String sha256, RgbImage image) {
            Objects.requireNonNull(image, "image");
            return new Item(sha256, () -> image);
        }
    }

    /** Receives (done, total) after each image; called on the worker thread. */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total);
    }

    /** What a run did. {@code failed} lists the sha256 of images whose extraction threw. */
    public record Result(int total, int computed, int alreadyCached, List<String> failed, boolean cancelled) {
    }

    private final FeatureCache cache;
    private final Executor executor;

    public FeaturePrefetcher(FeatureCache cache, Executor executor) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Starts prefetching; returns at once. */
    public Handle start(Backbone backbone, List<Item> items, Progress progress) {
        Objects.requireNonNull(backbone, "backbone");
        List<Item> todo = List.copyOf(items);
        Progress p = progress == null ? (d, t) -> { } : progress;
        Handle handle = new Handle();
        CompletableFuture.runAsync(() -> handle.complete(run(backbone, todo, p, handle.cancelled)), executor)
                .whenComplete((v, err) -> {
                    if (err != null) {
                        handle.future.completeExceptionally(err);
                    }
                });
        return handle;
    }

    private Result run(Backbone backbone, List<Item> items, Progress progress, AtomicBoolean cancelled) {
        String key = backbone.key();
        int computed = 0;
        int cached = 0;
        List<String> failed = new ArrayList<>();
        int done = 0;
        for (Item item : items) {
            if (cancelled.get() || Thread.currentThread().isInterrupted()) {
                return new Result(items.size(), computed, cached, List.copyOf(failed), true);
            }
            if (cache.get(key, item.sha256()).isPresent()) {
                cached++;
            } else {
                try {
                    FeatureMap map = backbone.features(item.image().get());
                    cache.put(key, item.sha256(), map);
                    computed++;
                } catch (RuntimeException e) {
                    LOG.warn("feature extraction failed for image {} with {}: {}", item.sha256(), key, e.toString());
                    failed.add(item.sha256());
                }
            }
            done++;
            progress.update(done, items.size());
        }
        return new Result(items.size(), computed, cached, List.copyOf(failed), false);
    }

    /** A running prefetch: cancel it, or wait for its {@link Result}. */
    public static final class Handle {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final CompletableFuture<Result> future = new CompletableFuture<>();

        private void complete(Result r) {
            future.complete(r);
        }

        /** Requests a stop before the next image. */
        public void cancel() {
            cancelled.set(true);
        }

        public boolean isCancelRequested() {
            return cancelled.get();
        }

        public boolean isDone() {
            return future.isDone();
        }

        /** Completes with the result (also when cancelled: then {@link Result#cancelled()} is true). */
        public CompletableFuture<Result> future() {
            return future;
        }

        public Result await(long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
            try {
                return future.get(timeout, unit);
            } catch (ExecutionException e) {
                throw new IllegalStateException("prefetch failed", e.getCause());
            } catch (CancellationException e) {
                throw new IllegalStateException("prefetch future was cancelled", e);
            }
        }
    }
}
