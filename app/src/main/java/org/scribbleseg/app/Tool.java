package org.scribbleseg.app;

import org.scribbleseg.engine.project.StrokeKind;

/** Drawing tools of the canvas and the stroke kind each one stores. */
public enum Tool {
    BRUSH("Brush", "B", StrokeKind.SCRIBBLE),
    POINT("Point", "P", StrokeKind.POINT),
    ERASER("Eraser", "E", StrokeKind.ERASE),
    IGNORE("Ignore brush", "I", StrokeKind.IGNORE);

    private final String label;
    private final String key;
    private final StrokeKind kind;

    Tool(String label, String key, StrokeKind kind) {
        this.label = label;
        this.key = key;
        this.kind = kind;
    }

    public String label() {
        return label;
    }

    public String key() {
        return key;
    }

    public StrokeKind kind() {
        return kind;
    }
}
