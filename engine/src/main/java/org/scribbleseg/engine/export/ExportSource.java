package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.Stroke;

/**
 * What {@link VocExporter} reads: the project's classes and images, and per image its accepted mask, its predicted
 * mask and its strokes. The exporter calls the per-image methods from several worker threads at once, so an
 * implementation must be thread-safe (e.g. one read-only connection per call or a synchronized store).
 */
public interface ExportSource {

    /** The project's classes; labelmap.txt is written in {@link ClassDef#vocIndex()} order. */
    List<ClassDef> classes();

    /**
     * Every image of the project, not only those exported: VOC ids are derived from all of them (in
     * {@link Item#imageId()} order) so an image keeps its id from one export to the next.
     */
    List<Item> images();

    /** The accepted mask (values = VOC index, 255 = void), or null when the image has none. */
    LabelMap acceptedMask(Item item) throws IOException;

    /** The current model's mask, or null when there is none. Used by {@link ExportMode#PREDICTED}. */
    default LabelMap predictedMask(Item item) throws IOException {
        return null;
    }

    /** The image's live strokes (not undone) in drawing order. Used by {@link ExportMode#SPARSE}. */
    default List<Stroke> strokes(Item item) throws IOException {
        return List.of();
    }

    /**
     * One image: {@code imagePath} resolved to an absolute file, {@code stem} its file name without extension
     * (made safe and unique by the exporter), {@code hasAcceptedMask} whether {@link #acceptedMask} returns a mask
     * (status DONE), {@code hasStrokes} whether it has any live stroke.
     */
    record Item(long imageId, Path imagePath, String stem, Split split, boolean hasAcceptedMask, boolean hasStrokes) {
        /** The item of a stored image: {@code resolved} is its absolute file, DONE status means an accepted mask. */
        public static Item of(ImageEntry e, Path resolved, boolean hasStrokes) {
            return new Item(e.id(), resolved, e.stem(), e.split(), e.status() == ImageStatus.DONE, hasStrokes);
        }
    }
}
