package org.scribbleseg.engine.project;

import java.util.List;

/**
 * A class of the project. {@code vocIndex} is the value written in label maps and VOC masks (0 = background,
 * 1..254; 255 is void). {@code rgb} is the display colour 0xRRGGBB. {@code concepts} are the names used for
 * zero-shot prompts ("chair: chair, armchair, deckchair").
 */
public record ClassDef(long id, String name, int rgb, int vocIndex, String definition, List<String> concepts, int position) {
    public ClassDef {
        concepts = concepts == null ? List.of() : List.copyOf(concepts);
        definition = definition == null ? "" : definition;
    }

    /** "#rrggbb". */
    public String hexColor() {
        return String.format("#%06x", rgb & 0xffffff);
    }
}
