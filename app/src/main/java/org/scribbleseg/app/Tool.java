package org.scribbleseg.app;

import org.scribbleseg.engine.project.StrokeKind;

/**
 * Tools of the canvas: drawing tools store a stroke of their kind; region tools (no stroke kind) act on the
 * predicted region under a click and write it into the image's mask.
 */
public enum Tool {
    BRUSH("Brush", "B", StrokeKind.SCRIBBLE),
    POINT("Point", "P", StrokeKind.POINT),
    ERASER("Eraser", "E", StrokeKind.ERASE),
    IGNORE("Ignore brush", "I", StrokeKind.IGNORE),
    ACCEPT_REGION("Accept region", "R", null),
    FILL_REGION("Fill region", "F", null);

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

    /** The stroke kind a drawing tool stores; null for region tools. */
    public StrokeKind kind() {
        return kind;
    }

    /** A region tool: a click picks the predicted region under it. */
    public boolean isRegion() {
        return kind == null;
    }

    /** A tool used by clicking (one point), not by dragging. */
    public boolean isClick() {
        return this == POINT || isRegion();
    }

    /** "AcceptRegion": for node ids ("toolAcceptRegion"). */
    public String camelName() {
        StringBuilder b = new StringBuilder();
        for (String part : name().split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase());
        }
        return b.toString();
    }

    /** "icon-accept-region". */
    public String iconClass() {
        return "icon-" + name().toLowerCase().replace('_', '-');
    }
}
