package org.scribbleseg.engine.export;

import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ProjectStore;

/** Class lists a new project can start from. */
public final class ClassPresets {
    private ClassPresets() {
    }

    /**
     * Adds classes to an empty project: "voc" for the 21 VOC classes, else the given names in order, with
     * "background" first (index 0) unless it is already named. Colours follow the VOC colour map.
     */
    public static List<ClassDef> apply(ProjectStore store, List<String> spec) {
        List<String> names = new ArrayList<>();
        if (spec.size() == 1 && spec.get(0).equalsIgnoreCase("voc")) {
            names.addAll(LabelmapTxt.VOC_NAMES);
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
            out.add(store.addClass(n, VocPalette.rgb(index), index, "", List.of(n)));
        }
        return out;
    }
}
