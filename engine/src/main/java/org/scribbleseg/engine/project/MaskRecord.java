package org.scribbleseg.engine.project;

import org.scribbleseg.engine.image.LabelMap;

/**
 * A dense mask of an image (values = VOC index, 255 = void). {@code source}: {@link #ACCEPTED}, "voc-import"... or
 * {@link #PARTIAL}: regions accepted one by one, the rest void; such a mask is training data but leaves the image in
 * progress (not done, not exported as done).
 */
public record MaskRecord(long imageId, LabelMap labels, String source, long revision) {
    /** The whole prediction accepted as the image's mask: the image is done. */
    public static final String ACCEPTED = "accepted";
    /** Some regions accepted or filled, the rest void: the image stays in progress. */
    public static final String PARTIAL = "partial";

    public boolean isPartial() {
        return PARTIAL.equals(source);
    }
}
