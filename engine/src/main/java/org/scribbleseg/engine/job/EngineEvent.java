package org.scribbleseg.engine.job;

import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.AcceptRecord;

/** Events the engine publishes to listeners (UI, CLI, tests). Never carries JavaFX types. */
public sealed interface EngineEvent {

    /**
     * An image's annotations (strokes, tags, mask) or the image itself changed and were committed: the store's
     * change, told on the engine's event stream (the UI reads the image's labels again).
     */
    record AnnotationsChanged(long imageId, long revision) implements EngineEvent {
    }

    /** The classes changed (added, renamed, recoloured, re-indexed, moved, deleted) and were committed. */
    record ClassesChanged(long revision) implements EngineEvent {
    }

    /** A new head was trained for annotation revision {@code revision}. */
    record HeadTrained(long revision, String backbone, int samples, int classes, double trainAccuracy, long millis) implements EngineEvent {
    }

    /**
     * A fresh prediction of an image: {@code labels} (label values), {@code confidence} one byte per pixel (max
     * probability × 255), {@code uncertainty} one byte per pixel ((1 − margin) × 255), for annotation revision
     * {@code revision}. The live loop publishes the mask first with null maps (the fast path), then, for the
     * current image, the same mask again with both maps.
     */
    record PredictionsUpdated(long imageId, long revision, LabelMap labels, byte[] confidence, byte[] uncertainty,
            double meanUncertainty) implements EngineEvent {
    }

    /**
     * A mask was accepted for an image the live head had a first look at: {@code record} was added to the accept
     * history, or replaced the image's earlier record (same {@link AcceptRecord#id()}) on a re-accept.
     */
    record MaskAccepted(AcceptRecord record) implements EngineEvent {
    }

    /** Features of an image are in the cache. */
    record FeaturesReady(long imageId, String backbone) implements EngineEvent {
    }

    /**
     * Progress of a job on its lane: {@code done} of {@code total} units ({@code total} ≤ 0 = indeterminate).
     */
    record JobProgress(String jobId, Lane lane, String title, long done, long total, String message)
            implements EngineEvent {
    }

    /** A job ended: completed, cancelled or failed (with a user-facing reason). */
    record JobFinished(String jobId, String title, Outcome outcome, String message) implements EngineEvent {
    }

    /**
     * A heavy run (worker process) changed: {@code state} is one of starting, running, paused, failed, cancelled,
     * done; {@code step} of {@code total}; {@code etaSeconds} NaN when unknown; {@code device} where it computes and
     * {@code message} the reason or last status line (for a failed run, why, in one line).
     */
    record HeavyRunUpdate(String runId, String jobId, String method, String state, long step, long total, double etaSeconds,
            String device, String message) implements EngineEvent {
        public boolean ended() {
            return state.equals("failed") || state.equals("cancelled") || state.equals("done");
        }
    }

    /**
     * One evaluation of a heavy run (the worker's {@code metrics} event, also appended to the run's
     * {@link org.scribbleseg.engine.project.RunRecord#evaluations()}): e.g. {@code miou} on the held-out accepted
     * masks and {@code loss}, the mean training loss since the previous evaluation.
     */
    record HeavyRunMetrics(String runId, String method, long step, java.util.Map<String, Double> values) implements EngineEvent {
    }

    /**
     * Which model's predictions the overlay, the {@code predicted} export and the uncertainty view show now, and why
     * ({@code predictorId} {@code live-head} or {@code run:<id>}). {@code heavyAvailable}: a heavy model
     * ({@code heavyId}, {@code heavyDescription}; null when none) was compared and the user may switch between them.
     * {@code choice}: the user's choice, {@link #AUTO} (the better model on the accepted masks shows), {@link #LIVE}
     * or {@code run:<id>} (pinned until the user picks Auto again).
     */
    record PredictorChanged(String predictorId, String description, String reason, boolean heavyAvailable, String choice,
            String heavyId, String heavyDescription, Scores scores) implements EngineEvent {
        public static final String AUTO = "auto";
        public static final String LIVE = "live-head";

        /** Whether the user pinned the live head. */
        public boolean userChoseLive() {
            return LIVE.equals(choice);
        }

        /**
         * The two models on the same accepted masks ({@link org.scribbleseg.engine.eval.PredictorChoice}): mean IoU and
         * boundary F of the heavy model and of the live head's first looks (NaN where not measured), over {@code images}.
         */
        public record Scores(double heavyMiou, double heavyBoundaryF, double liveMiou, double liveBoundaryF, int images) {
            /** "mIoU 0.812 vs 0.774 · boundary F 0.655 vs 0.601 (heavy vs live head, 5 accepted masks)". */
            public String summary() {
                return String.format(java.util.Locale.ROOT, "mIoU %.3f vs %.3f · boundary F %.3f vs %.3f (heavy vs live head, %d accepted masks)",
                        heavyMiou, liveMiou, heavyBoundaryF, liveBoundaryF, images);
            }
        }
    }

    enum Outcome {
        COMPLETED, CANCELLED, FAILED
    }
}
