package org.scribbleseg.engine.image;

import java.nio.file.Path;

/**
 * Where {@link ImageImporter} puts the images it accepted (the project store). {@link #add} is only called for a
 * file that decoded completely and whose sha256 {@link #exists} said is new; it should insert the image in one
 * transaction (so an image is never half-added).
 */
public interface ImageSink {
    /** Whether the project already holds an image with these bytes. */
    boolean exists(String sha256);

    /** Adds the image (probed: size after orientation, sha256, format). */
    void add(ImageInfo info, Path file);
}
