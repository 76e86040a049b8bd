package org.scribbleseg.engine.project;

/**
 * An image of the project. {@code path} is relative to the project's parent folder when the image lies below it,
 * else absolute (use {@link ProjectStore#resolve(ImageEntry)}). Width/height are after EXIF orientation.
 */
public record ImageEntry(long id, String path, String sha256, int width, int height, Split split, ImageStatus status) {

    /** File name without folders and extension. */
    public String stem() {
        String p = path.replace('\\', '/');
        String name = p.substring(p.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
