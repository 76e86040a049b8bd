package org.scribbleseg.engine.project;

import org.scribbleseg.engine.image.LabelMap;

/**
 * A dense mask of an image (values = VOC index, 255 = void). {@code source}: {@link #ACCEPTED}, "voc-import"... or
 * {@link #PARTIAL}: regions accepted one by one, the rest void, or {@link #REOPENED}: a complete mask marked not
 * done. Such masks are training data but leave the image in progress (not exported as done).
 */
public record MaskRecord(long imageId, LabelMap labels, String source, long revision) {
    /** The whole prediction accepted as the image's mask: the image is done. */
    public static final String ACCEPTED = "accepted";
    /** Some regions accepted or filled, the rest void: the image stays in progress. */
    public static final String PARTIAL = "partial";
    /** A complete mask marked not done (D): the image is in progress again until marked done. */
    public static final String REOPENED = "reopened";

    public boolean isPartial() {
        return PARTIAL.equals(source);
    }

    /** Partial or reopened: the image is still in progress. */
    public boolean isOpen() {
        return PARTIAL.equals(source) || REOPENED.equals(source);
    }
}
