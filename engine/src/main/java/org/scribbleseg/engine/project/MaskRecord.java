package org.scribbleseg.engine.project;

import org.scribbleseg.engine.image.LabelMap;

/** An accepted dense mask of an image (values = VOC index, 255 = void). {@code source}: "accepted", "voc-import"... */
public record MaskRecord(long imageId, LabelMap labels, String source, long revision) {
}
