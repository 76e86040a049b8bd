package org.scribbleseg.engine.project;

/**
 * One user stroke, as stored (append-only; undo is a tombstone). {@code points} holds x0, y0, x1, y1, ... in
 * image pixel coordinates (a polyline; a single point for {@link StrokeKind#POINT}). {@code classId} is null for
 * ERASE and IGNORE. {@code radius} is the brush radius in image pixels.
 */
public record Stroke(long id, long imageId, Long classId, StrokeKind kind, float radius, float[] points, long createdAtMillis)
        implements org.scribbleseg.engine.image.StrokeShape {

    @Override
    public Effect effect() {
        return kind.effect();
    }

    @Override
    public boolean separateDiscs() {
        return kind == StrokeKind.POINT;
    }

    public int pointCount() {
        return points.length / 2;
    }
}
