package org.scribbleseg.engine.project;

import java.util.ArrayList;
import java.util.List;

/** Class lists a new project can start from. */
public final class ClassPresets {
    private ClassPresets() {
    }

    /** The 21 PASCAL VOC classes, index order (0 = background). */
    public static final List<String> VOC = List.of("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus",
            "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep",
            "sofa", "train", "tvmonitor");

    /** The standard VOC colour of index {@code i} as 0xRRGGBB (bit-interleaved colour map of the devkit). */
    public static int vocColor(int i) {
        int r = 0;
        int g = 0;
        int b = 0;
        int c = i;
        for (int j = 0; j < 8; j++) {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        return (r << 16) | (g << 8) | b;
    }

    /**
     * Adds classes to an empty project: "voc" for the 21 VOC classes, else the given names in order, with
     * "background" first (index 0) unless it is already named. Colours follow the VOC colour map.
     */
    public static List<ClassDef> apply(ProjectStore store, List<String> spec) {
        List<String> names = new ArrayList<>();
        if (spec.size() == 1 && spec.get(0).equalsIgnoreCase("voc")) {
            names.addAll(VOC);
        } else {
            for (String s : spec) {
                for (String part : s.split(",")) {
                    if (!part.isBlank()) {
                        names.add(part.strip());
                    }
                }
            }
            if (names.stream().noneMatch(n -> n.equalsIgnoreCase("background"))) {
                names.add(0, "background");
            }
        }
        List<ClassDef> out = new ArrayList<>();
        int next = 1;
        for (String n : names) {
            int index = n.equalsIgnoreCase("background") ? 0 : next++;
            out.add(store.addClass(n, vocColor(index), index, "", List.of(n)));
        }
        return out;
    }
}
