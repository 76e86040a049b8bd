package org.scribbleseg.engine.image;

/**
 * What {@link LabelRasterizer} needs of a stroke: what it writes ({@link Effect}), whether its points are separate
 * discs or a polyline, its class (null for erase and ignore), radius and points (x0, y0, x1, y1, ... in image
 * pixels). The project's {@code Stroke} is one; the image package knows nothing of the project.
 */
public interface StrokeShape {
    /** What a stroke writes into the label map. */
    enum Effect {
        /** Its class's label value. */
        PAINT_CLASS,
        /** 255: back to unlabelled. */
        ERASE,
        /** 255, and the pixel is marked ignored (never trained on). */
        IGNORE
    }

    Effect effect();

    /** True when each point is a disc of its own (a click), false for a polyline (a scribble). */
    boolean separateDiscs();

    Long classId();

    float radius();

    float[] points();
}
