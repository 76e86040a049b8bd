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
    static ExportSource source(Engine engine, Optional<LinearHead> head, Set<Long> skip) {
        ProjectStore store = engine.store();
        Set<Long> withStrokes = new HashSet<>(store.allStrokes().keySet());
        List<ExportSource.Item> items = new ArrayList<>();
        for (ImageEntry e : store.images()) {
            if (skip.contains(e.id())) {
                continue;
            }
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
                    // the current predictor: the live head, or a heavy model that beat it on the accepted masks
                    return engine.currentPredictor().predict(store.image(item.imageId()).orElseThrow(), false).labels();
                }
                return store.latestPrediction(item.imageId()).map(ProjectStore.PredictionRecord::labels).orElse(null);
            }

            @Override
            public List<Stroke> strokes(Item item) {
                return store.strokes(item.imageId());
            }
        };
    }

    /**
     * The sha256 of every item's image (the importer already decoded them: only the hash is missing). The project
     * keeps one image per content, so VOC ids whose images are byte-identical would share one image row: with
     * different masks one mask would silently replace the other, so that is refused before anything is written;
     * with the same mask (or none) the image is kept once and a warning names the ids.
     */
    private static Map<ImportedVoc.Item, String> sameImageCheck(ImportedVoc voc, List<String> warnings) throws IOException {
        Map<ImportedVoc.Item, String> shaOf = new HashMap<>();
        Map<String, List<ImportedVoc.Item>> bySha = new java.util.LinkedHashMap<>();
        for (ImportedVoc.Item it : voc.items()) {
            String sha = ImageLoader.sha256(ImageLoader.readBytes(it.image()));
            shaOf.put(it, sha);
            bySha.computeIfAbsent(sha, k -> new ArrayList<>()).add(it);
        }
        List<String> conflicts = new ArrayList<>();
        for (List<ImportedVoc.Item> same : bySha.values()) {
            if (same.size() < 2) {
                continue;
            }
            List<String> ids = same.stream().map(ImportedVoc.Item::id).toList();
            LabelMap first = null;
            boolean differ = false;
            for (ImportedVoc.Item it : same) {
                LabelMap m = voc.readMask(it);
                if (m == null) {
                    continue;
                }
                if (first == null) {
                    first = m;
                } else if (!java.util.Arrays.equals(first.data(), m.data())) {
                    differ = true;
                }
            }
            if (differ) {
                conflicts.add(String.join(", ", ids));
            } else {
                warnings.add("ids " + String.join(", ", ids) + " have byte-identical images and the same mask: kept once, as "
                        + ids.get(0));
            }
        }
        if (!conflicts.isEmpty()) {
            throw new ProjectException("VOC ids with byte-identical images but different masks: " + String.join("; ", conflicts)
                    + ". A project keeps one image per content, so one mask would be lost; remove the extra ids or make their "
                    + "images differ. Nothing was imported.");
        }
        return shaOf;
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
        Map<ImportedVoc.Item, String> shaOf = sameImageCheck(voc, warnings);
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
            String sha = shaOf.get(it);
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
