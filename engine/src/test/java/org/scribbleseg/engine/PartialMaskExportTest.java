package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ExportResult;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;

/** A "done" VOC export takes images whose whole mask was accepted, never a partial mask (half void). */
class PartialMaskExportTest {
    @TempDir
    Path tmp;

    @Test
    void doneExportSkipsPartialMasks() throws Exception {
        SyntheticScenes gen = new SyntheticScenes(2, 5);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path f = tmp.resolve("img" + i + ".png");
            ImageWriter.writePng(gen.scene(i, 40, 30).image(), f);
            files.add(f);
        }
        try (Engine engine = Engine.create(tmp.resolve("p.sseg"))) {
            engine.store().addClass("background", 0, 0, "", List.of());
            engine.store().addClass("cat", 0xff0000, 1, "", List.of());
            engine.importImages(files, org.scribbleseg.engine.util.TaskMonitor.NONE);
            List<ImageEntry> images = engine.store().images();
            LabelMap half = LabelMap.unlabelled(40, 30);
            for (int x = 0; x < 20; x++) {
                half.set(x, 0, 1);
            }
            engine.store().setMask(images.get(0).id(), LabelMap.unlabelled(40, 30), MaskRecord.ACCEPTED);
            engine.store().setMask(images.get(1).id(), half, MaskRecord.PARTIAL);

            ExportResult r = engine.exportVoc(VocExporter.Options.of(tmp.resolve("voc"), ExportMode.DONE), org.scribbleseg.engine.util.TaskMonitor.NONE);

            assertThat(r.images()).isEqualTo(1);
            assertThat(r.ids()).containsOnlyKeys(images.get(0).id());
            try (var masks = Files.list(r.datasetRoot().resolve("SegmentationClass"))) {
                assertThat(masks.toList()).hasSize(1);
            }
        }
    }
}
