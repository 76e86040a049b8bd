package org.scribbleseg.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.scribbleseg.engine.project.AnnotationChanges;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.Tag;

/**
 * The live loop's copy of the project's labels (active strokes per image, the images with a mask, the tags), kept
 * up to date incrementally: each {@link #refresh} asks the store what changed since the revision it holds
 * ({@link org.scribbleseg.engine.project.AnnotationRepository#changesSince}) and re-reads only those images; the
 * whole tables only at the start and after a project-wide change (classes) or a change it cannot account for
 * (another program wrote). The views equal {@code allStrokes()}, {@code imagesWithMask()} and {@code allTags()}
 * read at the same moment. One thread (the interactive lane).
 */
final class LabelSnapshot {
    private final ProjectStore store;
    private final TreeMap<Long, List<Stroke>> strokes = new TreeMap<>();
    private final TreeSet<Long> withMask = new TreeSet<>();
    private final TreeMap<Long, List<Tag>> tags = new TreeMap<>();
    private long revision = -1;
    private int fullReads;
    private int imageReads;

    LabelSnapshot(ProjectStore store) {
        this.store = store;
    }

    /** Brings the copy to the store's revision now. */
    void refresh() {
        AnnotationChanges ch = revision < 0 ? AnnotationChanges.everything(-1) : store.annotations().changesSince(revision);
        if (ch.all()) {
            long now = store.revision(); // before the reads: anything written during them is read again next time
            strokes.clear();
            strokes.putAll(store.annotations().allStrokes());
            withMask.clear();
            withMask.addAll(store.masks().imagesWithMask());
            tags.clear();
            for (Tag t : store.annotations().allTags()) {
                tags.computeIfAbsent(t.imageId(), k -> new ArrayList<>()).add(t);
            }
            revision = now;
            fullReads++;
            return;
        }
        for (long id : ch.images()) {
            put(strokes, id, store.annotations().strokes(id));
            put(tags, id, store.annotations().tags(id));
            if (store.masks().has(id)) {
                withMask.add(id);
            } else {
                withMask.remove(id);
            }
            imageReads++;
        }
        revision = ch.revision();
    }

    private static <T> void put(Map<Long, List<T>> m, long id, List<T> list) {
        if (list.isEmpty()) {
            m.remove(id);
        } else {
            m.put(id, list);
        }
    }

    /** Active strokes by image id (ascending), each in drawing order; images without strokes absent. */
    Map<Long, List<Stroke>> strokes() {
        return Collections.unmodifiableMap(strokes);
    }

    /** Ids of the images with an active mask, ascending. */
    Set<Long> withMask() {
        return Collections.unmodifiableSet(withMask);
    }

    /** Every tag, by image id then class id. */
    List<Tag> tags() {
        List<Tag> out = new ArrayList<>();
        tags.values().forEach(out::addAll);
        return out;
    }

    long revision() {
        return revision;
    }

    /** How often the whole tables were read, and how many single images were read again (tests). */
    int fullReads() {
        return fullReads;
    }

    int imageReads() {
        return imageReads;
    }
}
