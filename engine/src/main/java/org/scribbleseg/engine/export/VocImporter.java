package org.scribbleseg.engine.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.Split;

/**
 * Reads a PASCAL VOC segmentation folder — ours or anyone's, given as the dataset folder itself, as
 * {@code VOCdevkit}, or as the folder holding {@code VOCdevkit/VOC<year>} (one year) — into an {@link ImportedVoc}.
 * Ids are those listed in {@code ImageSets/Segmentation/{train,val,trainval,predicted}.txt} plus the stems of
 * {@code SegmentationClass/*.png} (other JPEGImages are not part of the segmentation set and are not read). Every
 * mask is read and checked: its size must equal its image's (after EXIF orientation) and each value must be a
 * class index or 255; all such problems are reported together in one {@link VocFormatException}.
 */
public final class VocImporter {
    private VocImporter() {
    }

    /** Problems listed one by one in the error; the rest are counted. */
    static final int MAX_PROBLEMS = 20;

    public static ImportedVoc read(Path folder) throws IOException {
        Path root = findRoot(folder.toAbsolutePath().normalize());
        Path jpegDir = root.resolve("JPEGImages");
        Path maskDir = root.resolve("SegmentationClass");
        Path setDir = root.resolve("ImageSets").resolve("Segmentation");

        List<LabelmapTxt.Entry> classes;
        boolean fromLabelmap = Files.isRegularFile(root.resolve("labelmap.txt"));
        if (fromLabelmap) {
            classes = LabelmapTxt.parse(root.resolve("labelmap.txt"));
            if (classes.isEmpty()) {
                throw new VocFormatException(root.resolve("labelmap.txt") + " defines no class");
            }
        } else {
            classes = new ArrayList<>();
            for (int i = 0; i < LabelmapTxt.VOC_NAMES.size(); i++) {
                classes.add(new LabelmapTxt.Entry(i, LabelmapTxt.VOC_NAMES.get(i), VocPalette.rgb(i)));
            }
        }

        Map<String, Path> images = filesByStem(jpegDir, Set.of("jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp"), "jpg");
        Map<String, Path> masks = Files.isDirectory(maskDir) ? filesByStem(maskDir, Set.of("png"), "png") : Map.of();
        Set<String> train = readList(setDir.resolve("train.txt"));
        Set<String> val = readList(setDir.resolve("val.txt"));
        Set<String> trainval = readList(setDir.resolve("trainval.txt"));
        Set<String> predicted = readList(setDir.resolve("predicted.txt"));

        TreeSet<String> ids = new TreeSet<>();
        ids.addAll(train);
        ids.addAll(val);
        ids.addAll(trainval);
        ids.addAll(predicted);
        ids.addAll(masks.keySet());

        List<String> warnings = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        for (String id : ids) {
            if (!images.containsKey(id)) {
                warnings.add(id + (masks.containsKey(id) ? " has a mask" : " is listed in ImageSets")
                        + " but no image in JPEGImages; left out");
            } else {
                candidates.add(id);
            }
            if (train.contains(id) && val.contains(id)) {
                warnings.add(id + " is listed in both train.txt and val.txt; imported as train");
            }
        }

        String classSource = fromLabelmap ? "which labelmap.txt does not define"
                : "which the 21 standard VOC classes do not include (and there is no labelmap.txt)";
        int nClasses = classes.size();
        IntUnaryOperator colours = colourIndex(classes);
        List<Object> checked = candidates.parallelStream().map(id -> {
            try {
                return (Object) check(id, images.get(id), masks.get(id), colours, nClasses, classSource,
                        train.contains(id) || (!val.contains(id) && trainval.contains(id)) ? Split.TRAIN
                                : val.contains(id) ? Split.VAL : Split.NONE,
                        predicted.contains(id));
            } catch (IOException | RuntimeException e) {
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                return id + ": " + why;
            }
        }).toList();
        List<ImportedVoc.Item> items = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Object o : checked) {
            if (o instanceof ImportedVoc.Item it) {
                items.add(it);
            } else {
                problems.add((String) o);
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder b = new StringBuilder(root + ": " + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + ":");
            java.util.Collections.sort(problems);
            for (int i = 0; i < Math.min(MAX_PROBLEMS, problems.size()); i++) {
                b.append("\n  ").append(problems.get(i));
            }
            if (problems.size() > MAX_PROBLEMS) {
                b.append("\n  and ").append(problems.size() - MAX_PROBLEMS).append(" more");
            }
            throw new VocFormatException(b.toString());
        }
        return new ImportedVoc(root, classes, fromLabelmap, items, warnings);
    }

    private static ImportedVoc.Item check(String id, Path image, Path mask, IntUnaryOperator colours, int nClasses,
            String classSource, Split split, boolean predicted) throws IOException {
        int[] size = ImageLoader.orientedSize(image);
        if (mask != null) {
            LabelMap m = PalettePng.read(mask, colours);
            if (m.width() != size[0] || m.height() != size[1]) {
                throw new IOException("mask " + mask.getFileName() + " is " + m.width() + "×" + m.height() + " but its image "
                        + image.getFileName() + " is " + size[0] + "×" + size[1]);
            }
            boolean[] seen = new boolean[256];
            for (byte b : m.data()) {
                seen[b & 0xff] = true;
            }
            for (int v = nClasses; v < 255; v++) {
                if (seen[v]) {
                    throw new IOException("mask " + mask.getFileName() + " uses class index " + v + ", " + classSource);
                }
            }
        }
        return new ImportedVoc.Item(id, image, mask, split, predicted, size[0], size[1]);
    }

    /** Colour mask → value: each class's colour (the first class wins a shared colour), VOC void 224,224,192 → 255. */
    static IntUnaryOperator colourIndex(List<LabelmapTxt.Entry> classes) {
        Map<Integer, Integer> byColour = new HashMap<>();
        for (LabelmapTxt.Entry e : classes) {
            byColour.putIfAbsent(e.rgb(), e.index());
        }
        byColour.putIfAbsent(VocPalette.rgb(255), 255);
        return rgb -> byColour.getOrDefault(rgb, -1);
    }

    static Path findRoot(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new VocFormatException(folder + " is not a folder");
        }
        if (Files.isDirectory(folder.resolve("JPEGImages"))) {
            return folder;
        }
        Path devkit = folder.getFileName() != null && folder.getFileName().toString().equals("VOCdevkit") ? folder
                : folder.resolve("VOCdevkit");
        List<Path> years = new ArrayList<>();
        if (Files.isDirectory(devkit)) {
            try (Stream<Path> s = Files.list(devkit)) {
                s.filter(p -> p.getFileName().toString().startsWith("VOC") && Files.isDirectory(p.resolve("JPEGImages")))
                        .sorted().forEach(years::add);
            }
        }
        if (years.size() == 1) {
            return years.get(0);
        }
        if (years.size() > 1) {
            throw new VocFormatException(devkit + " holds several datasets (" + years.stream()
                    .map(p -> p.getFileName().toString()).toList() + "); give the one to import");
        }
        throw new VocFormatException("no JPEGImages folder in " + folder + " (looked there and in VOCdevkit/VOC*/)");
    }

    private static Map<String, Path> filesByStem(Path dir, Set<String> exts, String preferred) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (dot <= 0 || !Files.isRegularFile(p)) {
                    continue;
                }
                String ext = n.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (!exts.contains(ext)) {
                    continue;
                }
                String stem = n.substring(0, dot);
                Path prev = out.get(stem);
                if (prev == null || ext.equals(preferred)) {
                    out.put(stem, p);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static Set<String> readList(Path file) throws IOException {
        Set<String> out = new HashSet<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (!t.isEmpty()) {
                // some lists carry a second column (e.g. "id 1" in per-class lists): the id is the first field
                out.add(t.split("\\s+")[0]);
            }
        }
        return out;
    }
}
