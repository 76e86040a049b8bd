package org.scribbleseg.engine.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.Tag;

/**
 * Image-level tags → pseudo-masks, as every trainer uses them: a {@link CamPseudoLabeler} (default config) trained
 * on every image with a foreground class tagged present, then one pseudo-mask per tagged image that has no human
 * labels (255 where the CAM is unsure). The live loop keeps one instance and asks it after each change; SemiVL's
 * labelled stream asks once. The classifier and the masks are recomputed only when the tags, or the context the
 * caller names (backbone key, classes revision), change.
 */
public final class TagPseudoMasks {
    private final CamPseudoLabeler cam = new CamPseudoLabeler(CamPseudoLabeler.Config.defaults());
    private Map<Long, LabelMap> masks = Map.of();
    private String key = "";

    /**
     * The foreground classes (label values; background 0 and classes not in {@code vocOf} left out) tagged present,
     * per image, in id order.
     */
    public static Map<Long, Set<Integer>> present(List<Tag> tags, Map<Long, Integer> vocOf) {
        Map<Long, Set<Integer>> present = new TreeMap<>();
        for (Tag t : tags) {
            Integer v = vocOf.get(t.classId());
            if (t.present() && v != null && v != 0) {
                present.computeIfAbsent(t.imageId(), k -> new TreeSet<>()).add(v);
            }
        }
        return present;
    }

    /**
     * The pseudo-masks of the tagged images not in {@code labelled}, only those with at least one labelled pixel,
     * by image id.
     *
     * @param context  names what else the masks depend on (the backbone key, the classes' revision)
     * @param images   the project's image of an id
     * @param features the image's feature map of the backbone {@code context} names
     * @param check    called between images (throws to cancel)
     */
    public Map<Long, LabelMap> masks(List<Tag> tags, Map<Long, Integer> vocOf, Set<Long> labelled, String context,
            LongFunction<Optional<ImageEntry>> images, Function<ImageEntry, FeatureMap> features, Runnable check) {
        Map<Long, Set<Integer>> present = present(tags, vocOf);
        if (present.isEmpty()) {
            masks = Map.of();
            key = "";
            return Map.of();
        }
        String k = present + "|" + context;
        if (!k.equals(key)) {
            List<CamPseudoLabeler.TaggedImage> tagged = new ArrayList<>();
            for (Map.Entry<Long, Set<Integer>> en : present.entrySet()) {
                check.run();
                images.apply(en.getKey()).ifPresent(e -> tagged.add(new CamPseudoLabeler.TaggedImage(features.apply(e), en.getValue())));
            }
            cam.train(tagged);
            Map<Long, LabelMap> out = new HashMap<>();
            for (Map.Entry<Long, Set<Integer>> en : present.entrySet()) {
                check.run();
                Optional<ImageEntry> e = images.apply(en.getKey());
                if (e.isPresent() && !labelled.contains(en.getKey())) {
                    out.put(en.getKey(), cam.pseudoMask(features.apply(e.get()), en.getValue(), e.get().width(), e.get().height()));
                }
            }
            masks = out;
            key = k;
        }
        Map<Long, LabelMap> out = new TreeMap<>();
        for (Map.Entry<Long, LabelMap> en : masks.entrySet()) {
            if (!labelled.contains(en.getKey()) && en.getValue().labelledCount() > 0) {
                out.put(en.getKey(), en.getValue());
            }
        }
        return out;
    }

    /** Changes whenever the masks were recomputed (the training samples' revision). */
    public int revision() {
        return key.hashCode();
    }

    /** Drops the classifier's masks (a closed project). */
    public void clear() {
        masks = Map.of();
        key = "";
    }
}
