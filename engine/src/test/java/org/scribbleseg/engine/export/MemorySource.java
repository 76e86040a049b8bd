package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.Stroke;

/** An in-memory {@link ExportSource} for tests. */
final class MemorySource implements ExportSource {
    final List<ClassDef> classes = new ArrayList<>();
    final List<Item> items = new ArrayList<>();
    final Map<Long, LabelMap> accepted = new HashMap<>();
    final Map<Long, LabelMap> predicted = new HashMap<>();
    final Map<Long, List<Stroke>> strokes = new HashMap<>();

    MemorySource cls(long id, String name, int rgb, int index) {
        classes.add(new ClassDef(id, name, rgb, index, null, null, index));
        return this;
    }

    MemorySource image(long id, Path file, Split split, LabelMap acceptedMask, LabelMap predictedMask, List<Stroke> st) {
        String n = file.getFileName().toString();
        String stem = n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : n;
        items.add(new Item(id, file, stem, split, acceptedMask != null, st != null && !st.isEmpty()));
        if (acceptedMask != null) {
            accepted.put(id, acceptedMask);
        }
        if (predictedMask != null) {
            predicted.put(id, predictedMask);
        }
        if (st != null) {
            strokes.put(id, st);
        }
        return this;
    }

    /** The VOC import read back as a source (image ids in id order, all masks accepted). */
    static MemorySource of(ImportedVoc voc) throws IOException {
        MemorySource s = new MemorySource();
        for (LabelmapTxt.Entry e : voc.classes()) {
            s.cls(100 + e.index(), e.name(), e.rgb(), e.index());
        }
        long id = 1;
        for (ImportedVoc.Item it : voc.items()) {
            s.image(id++, it.image(), it.split(), voc.readMask(it), null, null);
        }
        return s;
    }

    @Override
    public List<ClassDef> classes() {
        return classes;
    }

    @Override
    public List<Item> images() {
        return items;
    }

    @Override
    public LabelMap acceptedMask(Item item) {
        return accepted.get(item.imageId());
    }

    @Override
    public LabelMap predictedMask(Item item) {
        return predicted.get(item.imageId());
    }

    @Override
    public List<Stroke> strokes(Item item) {
        return strokes.getOrDefault(item.imageId(), List.of());
    }
}
