package org.scribbleseg.engine.project;

/** An image-level tag: class present on the image (true) or absent (false). Unknown = no tag. */
public record Tag(long imageId, long classId, boolean present) {
}
