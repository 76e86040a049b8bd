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
 * Masks were checked (size, values) while reading; {@link #readMask(Item)} reads one again for the store.
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
    }

    /**
     * The item's mask values (class indices, 255 = void), or null when it has no mask. Palette and grey PNGs give
     * their values; colour PNGs are mapped through the class colours (and the VOC void colour 224,224,192 → 255).
     */
    public LabelMap readMask(Item item) throws IOException {
        return item.mask() == null ? null : PalettePng.read(item.mask(), VocImporter.colourIndex(classes));
    }
}
