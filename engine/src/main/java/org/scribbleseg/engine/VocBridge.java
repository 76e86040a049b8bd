package org.scribbleseg.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Optional;
import java.util.Set;
import org.scribbleseg.engine.export.ExportSource;
import org.scribbleseg.engine.export.ImportedVoc;
import org.scribbleseg.engine.export.LabelmapTxt;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.train.LinearHead;

/** Connects the VOC exporter and importer to a project. */
final class VocBridge {
    private VocBridge() {
    }

    /** The project as an {@link ExportSource}; predicted masks come from the live loop or the current head. */
    static ExportSource source(Engine engine, Optional<LinearHead> head) {
        ProjectStore store = engine.store();
        Set<Long> withStrokes = new HashSet<>(store.allStrokes().keySet());
        List<ExportSource.Item> items = new ArrayList<>();
        for (ImageEntry e : store.images()) {
            // DONE = an accepted mask; a partial mask (regions accepted one by one) is not exported as done
            items.add(ExportSource.Item.of(e, store.resolve(e), withStrokes.contains(e.id())));
        }
        List<ClassDef> classes = store.classes();
        Map<Long, Integer> vocOf = new HashMap<>();
        for (ClassDef c : classes) {
            vocOf.put(c.id(), c.vocIndex());
        }
        return new ExportSource() {
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
                // what the labels layer shows: the accepted mask with every stroke (corrections drawn after the
                // accept, and scribbles from before it) painted over it in order
                return store.mask(item.imageId())
                        .map(m -> LabelRasterizer.rasterize(m.labels(), store.strokes(item.imageId()), vocOf::get, false).labels())
                        .orElse(null);
            }

            @Override
            public LabelMap predictedMask(Item item) {
                var live = engine.latestPrediction(item.imageId());
                if (live.isPresent()) {
                    return live.get().labels();
                }
                if (head.isPresent()) {
                    return engine.predict(head.get(), store.image(item.imageId()).orElseThrow(), false).labels();
                }
                return store.latestPrediction(item.imageId()).map(ProjectStore.PredictionRecord::labels).orElse(null);
            }

            @Override
            public List<Stroke> strokes(Item item) {
                return store.strokes(item.imageId());
            }
        };
    }

    /** What an import into a project did. */
    record VocImportReport(int images, int added, int masks, int classesAdded, List<String> warnings) {
    }

    /**
     * Imports a VOC folder: classes by index (created when missing; an index held by a differently named class
     * is an error before anything is written), images by reference, masks as accepted masks (or as predictions
     * when listed in predicted.txt), splits.
     */
    static VocImportReport importInto(ProjectStore store, ImportedVoc voc) throws IOException {
        List<String> warnings = new ArrayList<>(voc.warnings());
        for (LabelmapTxt.Entry c : voc.classes()) {
            Optional<ClassDef> byIndex = store.classByIndex(c.index());
            if (byIndex.isPresent() && !byIndex.get().name().equalsIgnoreCase(c.name())) {
                throw new ProjectException("VOC class " + c.index() + " '" + c.name() + "' conflicts with the project's class '"
                        + byIndex.get().name() + "' at the same index; rename one of them first. Nothing was imported.");
            }
            Optional<ClassDef> byName = store.classByName(c.name());
            if (byName.isPresent() && byName.get().vocIndex() != c.index()) {
                throw new ProjectException("VOC class '" + c.name() + "' has index " + c.index() + " but the project's has index "
                        + byName.get().vocIndex() + ". Nothing was imported.");
            }
        }
        int classesAdded = 0;
        for (LabelmapTxt.Entry c : voc.classes()) {
            if (store.classByIndex(c.index()).isEmpty()) {
                store.addClass(c.name(), c.rgb(), c.index(), "", List.of(c.name()));
                classesAdded++;
            }
        }
        int added = 0;
        int masks = 0;
        for (ImportedVoc.Item it : voc.items()) {
            // the importer already decoded the image (its oriented size is in the item): only the hash is missing
            String sha = ImageLoader.sha256(ImageLoader.readBytes(it.image()));
            ImageEntry e = store.imageBySha(sha).orElse(null);
            if (e == null) {
                e = store.addImage(it.image(), sha, it.width(), it.height(), it.split());
                added++;
            } else {
                store.setSplit(e.id(), it.split());
            }
            LabelMap mask = voc.readMask(it);
            if (mask != null) {
                if (it.predicted()) {
                    store.savePrediction(e.id(), "voc-import", mask, null, 0);
                } else {
                    store.setMask(e.id(), mask, "voc-import");
                    masks++;
                }
            }
        }
        return new VocImportReport(voc.items().size(), added, masks, classesAdded, warnings);
    }
}
