package org.scribbleseg.engine.eval;

import org.scribbleseg.engine.util.ThreadPools;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.AcceptRecord;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.PredictionRepository;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StoreListener;

/**
 * Accuracy before correction: keeps the live head's first look at each image the user had not touched when it was
 * shown, and when a mask is accepted, measures that first look against it ({@link Metrics}) and records the result
 * with the image's effort ({@link org.scribbleseg.engine.project.AcceptRecords}).
 *
 * <p>It listens: to the live head's predictions of the image on screen ({@link #looked}) and to the store's mask
 * changes ({@link StoreListener#maskSet}). The durable writes and the measuring run on its own thread, in the order
 * the events came (a first look shown before an accept is saved before the accept is measured), so neither the
 * event path to the UI nor the committing thread waits for them. {@link #flush()} waits for what is queued.
 */
public final class AcceptTracker implements StoreListener, AutoCloseable {
    /** Run id under which the first looks are stored as predictions. */
    public static final String FIRST_LOOK_RUN = ProjectStore.FIRST_LOOK_RUN;

    private final ProjectStore store;
    private final Consumer<AcceptRecord> onAccepted;
    private final ExecutorService worker;
    private final ThreadPools ownThreads;
    /** Images the user touched: their first look is final, the store is not asked again this session. */
    private final Set<Long> touched = ConcurrentHashMap.newKeySet();
    /** Head revision of the first look saved per untouched image this session. */
    private final Map<Long, Long> firstLookRevision = new ConcurrentHashMap<>();

    /** Listens to {@code store}'s changes; {@code onAccepted} hears each record written (on the tracker's thread). */
    public AcceptTracker(ProjectStore store, Consumer<AcceptRecord> onAccepted) {
        this(store, onAccepted, null);
    }

    /** As {@link #AcceptTracker(ProjectStore, Consumer)} with its thread from {@code threads} (null: a pool of its own). */
    public AcceptTracker(ProjectStore store, Consumer<AcceptRecord> onAccepted, ThreadPools threads) {
        this.ownThreads = threads == null ? new ThreadPools("accept tracker") : null;
        this.worker = (threads == null ? ownThreads : threads).single("sseg-accepts", Thread.NORM_PRIORITY);
        this.store = store;
        this.onAccepted = onAccepted;
        store.addListener(this);
    }

    /**
     * The live head's prediction of an image was shown to the user (made by the head of {@code headRevision}): kept
     * as its first look while the image is untouched, once per head (the second event of a prediction, with its
     * maps, or a stale head's comes too late).
     */
    public void looked(long imageId, LabelMap labels, long headRevision) {
        long seenAt = System.currentTimeMillis();
        worker.execute(() -> {
            Long saved = firstLookRevision.get(imageId);
            if (touched.contains(imageId) || (saved != null && headRevision <= saved)) {
                return;
            }
            try {
                if (store.predictions().saveIfUntouched(imageId, FIRST_LOOK_RUN, labels, headRevision, seenAt)) {
                    firstLookRevision.put(imageId, headRevision);
                } else {
                    touched.add(imageId);
                }
            } catch (ProjectException e) {
                // a read-only or closed project keeps no first look; the overlay is unaffected
            }
        });
    }

    @Override
    public void annotationsChanged(long imageId, long revision) {
        // strokes and tags: the next first look of the image is refused by the store
    }

    @Override
    public void maskSet(long imageId, LabelMap mask, String source, long revision) {
        if (!MaskRecord.ACCEPTED.equals(source)) {
            return;
        }
        worker.execute(() -> {
            try {
                record(imageId, mask).ifPresent(onAccepted);
            } catch (ProjectException e) {
                // closed meanwhile: nothing to record
            }
        });
    }

    /**
     * The accept record of {@code mask}, just accepted for the image, against the image's first look; empty when
     * the image has no first look or the mask has no non-void pixel.
     */
    private Optional<AcceptRecord> record(long imageId, LabelMap mask) {
        Optional<PredictionRepository.HeadPrediction> first = store.predictions().withHeadRevision(imageId, FIRST_LOOK_RUN);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        Metrics m = new Metrics(LabelMap.VOID).add(mask, first.get().labels());
        if (Double.isNaN(m.pixelAccuracy())) {
            return Optional.empty();
        }
        return Optional.of(store.acceptRecords().record(imageId, m.pixelAccuracy(), m.meanIoU(), first.get().headRevision()));
    }

    /** Waits until everything queued before this call is written (and its listeners told). */
    public void flush() {
        if (worker.isShutdown()) {
            return;
        }
        try {
            worker.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: nothing more will be written
        }
    }

    /** Stops listening, writes what is queued, ends the thread. */
    @Override
    public void close() {
        store.removeListener(this);
        worker.shutdown();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownThreads != null) {
            ownThreads.close();
        }
    }
}
