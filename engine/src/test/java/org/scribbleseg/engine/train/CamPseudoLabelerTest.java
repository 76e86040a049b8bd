package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.model.ClassicBackbone;

class CamPseudoLabelerTest {

    @Test
    void camPlacesTaggedClassOnItsRegion() {
        // 3 classes: 0 background, 1 and 2 distinct textures; 16 single-object scenes, tags from ground truth
        SyntheticScenes gen = new SyntheticScenes(3, 5);
        ClassicBackbone backbone = new ClassicBackbone(2);
        List<SyntheticScenes.Scene> scenes = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            scenes.add(gen.scene(i, 96, 96, 1)); // one object per image: tags have negatives for every class
        }
        List<CamPseudoLabeler.TaggedImage> tagged = new ArrayList<>();
        List<FeatureMap> feats = new ArrayList<>();
        for (SyntheticScenes.Scene s : scenes) {
            FeatureMap f = backbone.features(s.image());
            feats.add(f);
            tagged.add(new CamPseudoLabeler.TaggedImage(f, SimulatedAnnotator.tags(s.truth())));
        }
        CamPseudoLabeler cam = new CamPseudoLabeler(new CamPseudoLabeler.Config(0, 1.0, 0.0, 1e-3, 200));
        cam.train(tagged);
        assertThat(cam.classValues()).containsExactly(1, 2);
        Metrics m = new Metrics(3);
        for (int i = 0; i < scenes.size(); i++) {
            LabelMap pm = cam.pseudoMask(feats.get(i), tagged.get(i).present(), 96, 96);
            m.add(scenes.get(i).truth(), pm);
            // never a class that is not tagged present
            Set<Integer> seen = new TreeSet<>(SimulatedAnnotator.tags(pm));
            seen.remove(0);
            assertThat(tagged.get(i).present()).containsAll(seen);
        }
        // CAMs are coarse: the bar is well above chance (~1/3 IoU per class) for both tagged classes
        assertThat(m.iou(1)).isGreaterThan(0.35);
        assertThat(m.iou(2)).isGreaterThan(0.35);
    }
}
