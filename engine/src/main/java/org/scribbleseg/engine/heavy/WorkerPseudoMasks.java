package org.scribbleseg.engine.heavy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Tag;
import org.scribbleseg.engine.project.PreLabelSource;
import org.scribbleseg.engine.train.TagPseudoMasks;

/**
 * The pseudo-masks a heavy job trains on beside the human labels, made as the live loop makes them, for the images
 * without human labels: an image's tag pseudo-mask ({@link TagPseudoMasks} on the project's live backbone, its
 * features from the project's feature cache, computed and stored there when missing), else its zero-shot pre-labels
 * (the project's {@link PreLabelSource}: MaskCLIP's, ZeroSeg's or both merged). Both carry the live loop's lower
 * weight ({@link org.scribbleseg.engine.train.WeakLabelHead#PSEUDO_WEIGHT}) where a job weighs its labels.
 */
public final class WorkerPseudoMasks {
    /** Where a pseudo-mask came from. */
    public enum Kind { TAGS, ZERO_SHOT }

    /** One image's pseudo-mask (VOC label values, 255 = unlabelled). */
    public record Mask(long imageId, Kind kind, LabelMap labels) {
    }

    private WorkerPseudoMasks() {
    }

    /**
     * The pseudo-masks of the project's images not in {@code human} (the images with strokes or an accepted mask),
     * in image order; images whose pseudo-mask has no labelled pixel are left out. {@code recipe} gets what a run's
     * recipe says of them: {@code tag_backbone} (the key of the backbone the tag masks were made on, when any were
     * needed) and {@code tag_backbone_note} when the project's backbone cannot be built in this worker (the tag masks
     * then come from the classic filter bank, as the live loop's do).
     */
    public static Map<Long, Mask> of(ProjectStore store, Map<Long, Integer> vocOf, Set<Long> human, BiConsumer<String, String> recipe) {
        Map<Long, LabelMap> tagged = tagMasks(store, vocOf, human, recipe);
        PreLabelSource source = PreLabelSource.of(store);
        Map<Long, Mask> out = new LinkedHashMap<>();
        for (ImageEntry e : store.images()) {
            if (human.contains(e.id())) {
                continue;
            }
            LabelMap tag = tagged.get(e.id());
            Mask m = tag != null ? new Mask(e.id(), Kind.TAGS, tag)
                    : source.labels(store, e.id()).map(l -> new Mask(e.id(), Kind.ZERO_SHOT, l)).orElse(null);
            if (m != null && m.labels().labelledCount() > 0 && m.labels().width() == e.width() && m.labels().height() == e.height()) {
                out.put(e.id(), m);
            }
        }
        return out;
    }

    private static Map<Long, LabelMap> tagMasks(ProjectStore store, Map<Long, Integer> vocOf, Set<Long> human,
            BiConsumer<String, String> recipe) {
        List<Tag> tags = store.allTags();
        Map<Long, Set<Integer>> present = TagPseudoMasks.present(tags, vocOf);
        if (present.keySet().stream().allMatch(human::contains)) {
            return Map.of();
        }
        String setting = store.setting("backbone").orElse("classic"); // the live backbone (Engine.BACKBONE_SETTING)
        Backbone bb;
        try {
            bb = WorkerBackbones.forSetting(setting, store.modelsDir());
        } catch (Exception ex) {
            recipe.accept("tag_backbone_note", "backbone '" + setting + "' cannot be built here (" + ex.getMessage()
                    + "): tag pseudo-masks from the classic filter bank");
            bb = new ClassicBackbone();
        }
        try (Backbone b = bb) {
            recipe.accept("tag_backbone", b.key());
            FeatureCache cache = store.isReadOnly() ? FeatureCache.readOnlyForProject(store.root()) : FeatureCache.forProject(store.root());
            return new TagPseudoMasks().masks(tags, vocOf, human, b.key(), store::image,
                    e -> cache.getOrCompute(b.key(), e.sha256(), () -> b.features(load(store, e))), () -> { });
        }
    }

    private static RgbImage load(ProjectStore store, ImageEntry e) {
        try {
            return ImageLoader.load(store.resolve(e));
        } catch (IOException ex) {
            throw new ProjectException("cannot read " + e.path() + ": " + ex.getMessage(), ex);
        }
    }
}
