package org.scribbleseg.engine.project;

/** What a stroke does to the label map. */
public enum StrokeKind {
    /** A brush scribble painting its class. */
    SCRIBBLE,
    /** A click: a disc of the stroke's radius painting its class. */
    POINT,
    /** The eraser: returns pixels to unlabelled (255). */
    ERASE,
    /** The ignore brush: marks pixels void (255) so they are never used for training. */
    IGNORE;

    /** What a stroke of this kind writes into the label map. */
    public org.scribbleseg.engine.image.StrokeShape.Effect effect() {
        return switch (this) {
            case SCRIBBLE, POINT -> org.scribbleseg.engine.image.StrokeShape.Effect.PAINT_CLASS;
            case ERASE -> org.scribbleseg.engine.image.StrokeShape.Effect.ERASE;
            case IGNORE -> org.scribbleseg.engine.image.StrokeShape.Effect.IGNORE;
        };
    }

    /** Whether the kind needs a class. */
    public boolean needsClass() {
        return this == SCRIBBLE || this == POINT;
    }
}
