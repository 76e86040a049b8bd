package org.scribbleseg.engine;

import java.util.List;
import java.util.Optional;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import org.scribbleseg.engine.project.Tag;

/**
 * An image's labels as the app draws them ({@code engine.annotations()}): strokes, tags, masks, undo and redo.
 * Each command is one committed transaction (durable when it returns); the change comes back as
 * {@link org.scribbleseg.engine.job.EngineEvent.AnnotationsChanged} and the live loop retrains on it.
 */
public final class Annotations {
    private final ProjectStore store;

    Annotations(ProjectStore store) {
        this.store = store;
    }

    /** What is drawn on an image: its active strokes in drawing order, its mask (if any) and its tags. */
    public record ImageLabels(long imageId, List<Stroke> strokes, Optional<MaskRecord> mask, List<Tag> tags) {
    }

    public ImageLabels of(long imageId) {
        return new ImageLabels(imageId, store.annotations().strokes(imageId), store.masks().of(imageId), store.annotations().tags(imageId));
    }

    public Stroke commitStroke(long imageId, Long classId, StrokeKind kind, float radius, float[] points, long durationMs) {
        return store.annotations().commitStroke(imageId, classId, kind, radius, points, durationMs);
    }

    public void setTag(long imageId, long classId, Boolean present) {
        store.annotations().setTag(imageId, classId, present);
    }

    public Optional<MaskRecord> mask(long imageId) {
        return store.masks().of(imageId);
    }

    public void setMask(long imageId, LabelMap mask, String source) {
        store.masks().set(imageId, mask, source);
    }

    public ImageStatus toggleDone(long imageId) {
        return store.masks().toggleDone(imageId);
    }

    public void clear(long imageId) {
        store.undoLog().clearImage(imageId);
    }

    /** Undoes the image's latest action; the description of what was undone, empty when there was nothing. */
    public Optional<String> undo(long imageId) {
        return store.undoLog().undo(imageId).map(ProjectStore.UndoResult::description);
    }

    /** Redoes the image's most recently undone action; its description, empty when there was nothing. */
    public Optional<String> redo(long imageId) {
        return store.undoLog().redo(imageId).map(ProjectStore.UndoResult::description);
    }

    /** The newest stored prediction of an image (any run), its labels. */
    public Optional<LabelMap> storedPrediction(long imageId) {
        return store.predictions().latest(imageId).map(ProjectStore.PredictionRecord::labels);
    }
}
