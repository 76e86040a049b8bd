package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.Dinov2Backbone;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.StrokeKind;

/** Choosing the live backbone: DINOv2 when its weights are installed, the classic filter bank otherwise. */
class BackbonesTest {

    @TempDir
    Path tmp;

    @AfterEach
    void clearProperty() {
        System.clearProperty("scribbleseg.models");
    }

    @Test
    void withoutWeightsTheProjectStillOpensOnTheClassicBackbone() {
        System.setProperty("scribbleseg.models", tmp.resolve("empty-models").toString());
        try (Backbone b = Backbones.forSetting("dinov2-small")) {
            assertThat(b).isInstanceOf(ClassicBackbone.class);
        }
    }

    @Test
    void installedDinov2WeightsDriveTheLiveLoop() throws Exception {
        Path models = tmp.resolve("models");
        System.setProperty("scribbleseg.models", models.toString());
        Path fixture = Path.of(getClass().getResource("/fixtures/dinov2-tiny/config.json").toURI()).getParent();
        new ModelStore(models, org.scribbleseg.engine.model.ModelCatalog.builtIn(), ModelStore.defaultBaseUrl(),
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), 1).importModel(fixture, "dinov2-tiny");
        Backbone b = Backbones.forSetting("dinov2-tiny@98");
        assertThat(b).isInstanceOf(Dinov2Backbone.class);
        assertThat(b.channels()).isEqualTo(64);

        SyntheticScenes gen = new SyntheticScenes(2, 3);
        Path img = tmp.resolve("a.png");
        ImageWriter.writePng(gen.scene(0, 112, 84).image(), img);
        try (Engine engine = Engine.create(tmp.resolve("p.sseg"))) {
            engine.store().addClass("bg", 0, 0, "", List.of());
        }
        try (Engine engine = Engine.open(tmp.resolve("p.sseg"), b)) {
            assertThat(engine.backboneKey()).startsWith("dinov2-tiny");
            ClassDef bg = engine.store().classByIndex(0).orElseThrow();
            ClassDef fg = engine.store().addClass("fg", 0xff0000, 1, "", List.of());
            engine.importImages(List.of(img), org.scribbleseg.engine.util.TaskMonitor.NONE);
            ImageEntry e = engine.store().images().get(0);
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            engine.setCurrentImage(e.id());
            engine.store().commitStroke(e.id(), bg.id(), StrokeKind.SCRIBBLE, 4, new float[] {5, 5, 100, 5});
            engine.store().commitStroke(e.id(), fg.id(), StrokeKind.SCRIBBLE, 4, new float[] {5, 80, 100, 80});
            long rev = engine.store().revision();
            EngineEvent.PredictionsUpdated p = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p == null && System.nanoTime() < deadline) {
                EngineEvent ev = events.poll(1, TimeUnit.SECONDS);
                if (ev instanceof EngineEvent.PredictionsUpdated u && u.revision() >= rev) {
                    p = u;
                }
            }
            assertThat(p).as("a prediction from DINOv2 features").isNotNull();
            assertThat(p.labels().width()).isEqualTo(112);
            // the stroked rows are predicted as their classes
            assertThat(p.labels().get(50, 5)).isEqualTo(0);
            assertThat(p.labels().get(50, 80)).isEqualTo(1);
        }
    }
}
