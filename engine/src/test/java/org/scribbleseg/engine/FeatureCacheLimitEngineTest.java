package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.StrokeKind;

/** The project's feature cache limit: saved in the project, enforced with labelled images kept, clearable. */
class FeatureCacheLimitEngineTest {

    @TempDir
    Path tmp;

    @Test
    void aSmallLimitKeepsOnlyTheLabelledImagesMapsAndEverythingStillWorks() throws Exception {
        SyntheticScenes gen = new SyntheticScenes(2, 5);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path f = tmp.resolve("img" + i + ".png");
            ImageWriter.writePng(gen.scene(i, 96, 64).image(), f);
            files.add(f);
        }
        Path dir = tmp.resolve("p.sseg");
        List<ImageEntry> images;
        try (Engine engine = Engine.create(dir)) {
            engine.setLiveUpdate(false);
            ClassDef c = engine.store().addClass("thing", 0xff0000, 1, "", List.of());
            engine.importImages(files, org.scribbleseg.engine.util.TaskMonitor.NONE);
            images = engine.store().images();
            engine.store().commitStroke(images.get(0).id(), c.id(), StrokeKind.SCRIBBLE, 3, new float[] {5, 5, 40, 30});
            assertThat(engine.featureCacheUsage().limitBytes()).isEqualTo(FeatureCache.DEFAULT_LIMIT_BYTES);

            engine.setFeatureCacheLimitGb(1e-6); // 1,000 bytes: smaller than one map
            List<FeatureMap> first = new ArrayList<>();
            for (ImageEntry e : engine.store().images()) {
                first.add(engine.features(e));
            }
            Engine.FeatureCacheUsage usage = engine.featureCacheUsage();
            assertThat(usage.maps()).as("only the labelled image's map survives").isEqualTo(1);
            assertThat(Files.exists(cacheFile(dir, engine, images.get(0)))).isTrue();

            // an evicted map comes back transparently and equal (from memory or recomputed)
            assertThat(engine.features(images.get(2)).data()).containsExactly(first.get(2).data());

            assertThat(engine.clearFeatureCache()).isPositive();
            assertThat(engine.featureCacheUsage().bytes()).isZero();
        }
        try (Engine engine = Engine.open(dir)) {
            assertThat(engine.featureCacheUsage().limitBytes()).as("the limit is a project setting").isEqualTo(1000);
            assertThat(engine.features(engine.store().images().get(3)).channels()).isPositive(); // recomputed
        }
    }

    private static Path cacheFile(Path dir, Engine engine, ImageEntry e) {
        return FeatureCache.forProject(dir).pathFor(engine.backboneKey(), e.sha256());
    }
}
