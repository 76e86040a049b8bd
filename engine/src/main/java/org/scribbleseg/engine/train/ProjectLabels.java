package org.scribbleseg.engine.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;

/**
 * The human labels of a project as heavy trainers need them: per image with strokes or an accepted mask, the
 * accepted mask (if any) with the strokes painted over it, as VOC label values (255 = unlabelled); the same
 * rasterisation the live loop uses. Pseudo-masks (tags, zero-shot) are added by the caller with their weight.
 */
public final class ProjectLabels {
    private ProjectLabels() {
    }

    /** Each class's VOC label value, by class id. */
    public static Map<Long, Integer> vocOf(List<ClassDef> classes) {
        Map<Long, Integer> vocOf = new HashMap<>();
        for (ClassDef c : classes) {
            vocOf.put(c.id(), c.vocIndex());
        }
        return vocOf;
    }

    /** The class label values of the project (VOC indices), ascending. */
    public static int[] classValues(ProjectStore store) {
        return store.classes().stream().mapToInt(ClassDef::vocIndex).distinct().sorted().toArray();
    }

    /**
     * Every labelled image of the project, image pixels loaded with {@code loader}; images whose labels are all
     * void are left out.
     */
    public static List<DdepTrainer.Labelled> labelled(ProjectStore store, Function<ImageEntry, RgbImage> loader) {
        Map<Long, Integer> vocOf = vocOf(store.classes());
        Map<Long, List<Stroke>> strokes = store.allStrokes();
        Set<Long> withMask = new HashSet<>(store.imagesWithMask());
        List<DdepTrainer.Labelled> out = new ArrayList<>();
        for (ImageEntry e : store.images()) {
            List<Stroke> s = strokes.getOrDefault(e.id(), List.of());
            if (s.isEmpty() && !withMask.contains(e.id())) {
                continue;
            }
            LabelMap base = LabelMap.unlabelled(e.width(), e.height());
            if (withMask.contains(e.id())) {
                base = store.mask(e.id()).map(MaskRecord::labels).orElse(base);
            }
            LabelMap lm = LabelRasterizer.rasterize(base, s, id -> vocOf.getOrDefault(id, LabelMap.VOID), false).labels();
            if (lm.labelledCount() == 0) {
                continue;
            }
            out.add(new DdepTrainer.Labelled("img-" + e.id(), loader.apply(e), lm, null));
        }
        return out;
    }
}
