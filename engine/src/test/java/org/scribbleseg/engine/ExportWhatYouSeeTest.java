package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ImportedVoc;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.export.VocImporter;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * "Accept, then paint over the errors" (DESIGN §1.4): the exported mask of a done image is what the labels layer
 * shows, the accepted mask with the corrections painted over it, not the mask as it was at the accept.
 */
class ExportWhatYouSeeTest {

    @TempDir
    Path tmp;

    @Test
    void correctionsDrawnAfterAcceptingAreExported() throws Exception {
        Path f = tmp.resolve("scene.png");
        ImageWriter.writePng(new SyntheticScenes(2, 3).scene(0, 64, 48).image(), f);
        try (Engine engine = Engine.create(tmp.resolve("p.sseg"))) {
            engine.setLiveUpdate(false);
            ClassDef bg = engine.store().addClass("background", 0, 0, "", List.of());
            ClassDef cat = engine.store().addClass("cat", 0x402000, 8, "", List.of());
            engine.importImages(List.of(f), org.scribbleseg.engine.util.TaskMonitor.NONE);
            ImageEntry img = engine.store().images().get(0);
            LabelMap accepted = LabelMap.unlabelled(64, 48);
            java.util.Arrays.fill(accepted.data(), (byte) 0); // the accepted prediction: all background
            engine.store().setMask(img.id(), accepted, "accepted");
            // a correction: a horizontal cat stroke through row 20, radius 2
            engine.store().commitStroke(img.id(), cat.id(), StrokeKind.SCRIBBLE, 2f, new float[] {10, 20, 50, 20});
            // and an eraser pass at the left edge returns pixels to unlabelled (void in VOC)
            engine.store().commitStroke(img.id(), null, StrokeKind.ERASE, 2f, new float[] {2, 5, 2, 40});

            Path out = tmp.resolve("voc");
            engine.exportVoc(VocExporter.Options.of(out, ExportMode.DONE), org.scribbleseg.engine.util.TaskMonitor.NONE);
            ImportedVoc voc = VocImporter.read(out);
            assertThat(voc.items()).hasSize(1);
            LabelMap m = voc.readMask(voc.items().get(0));
            assertThat(m.get(30, 20)).as("the correction painted over the accepted mask").isEqualTo(8);
            assertThat(m.get(30, 35)).as("untouched accepted pixels").isEqualTo(bg.vocIndex());
            assertThat(m.get(2, 30)).as("erased pixels").isEqualTo(LabelMap.VOID);
        }
    }
}
