package org.scribbleseg.engine.image;

import java.nio.file.Path;

/**
 * What {@link ImageLoader#probe(Path)} learned about an image file that decoded completely: its size after EXIF
 * orientation, the sha256 of the file bytes (lower-case hex), the format ("jpeg", "png", "tiff", "bmp", "webp",
 * or what else OpenCV decoded: "other"), and the EXIF orientation (1..8; 1 when absent).
 */
public record ImageInfo(Path path, String sha256, int width, int height, String format, int orientation, long sizeBytes) {
}
