package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.Split;

/**
 * A VOC folder as {@link VocImporter} read it: {@code root} (the folder holding JPEGImages), the classes (index =
 * mask value, name, colour; from labelmap.txt, or the 21 VOC names with palette colours when
 * {@code fromLabelmap} is false), the items sorted by id, and warnings (ids left out, conflicting splits).
 * Masks were checked (size, values) while reading; {@link Item#readMask()} reads one again for the store.
 */
public record ImportedVoc(Path root, List<LabelmapTxt.Entry> classes, boolean fromLabelmap, List<Item> items,
        List<String> warnings) {
    public ImportedVoc {
        classes = List.copyOf(classes);
        items = List.copyOf(items);
        warnings = List.copyOf(warnings);
    }

    /**
     * One image: VOC id, image file, mask file (null when the id has no mask), split (TRAIN from train.txt or
     * trainval.txt alone, VAL from val.txt, NONE when in no list), {@code predicted} when listed in predicted.txt
     * (a ScribbleSeg export's model masks), and the image size after orientation.
     */
    public record Item(String id, Path image, Path mask, Split split, boolean predicted, int width, int height) {
        /** The mask's values (class indices, 255 = void), or null when there is no mask. */
        public LabelMap readMask() throws IOException {
            return mask == null ? null : PalettePng.read(mask);
        }
    }
}
