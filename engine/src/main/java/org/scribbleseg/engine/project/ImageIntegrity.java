package org.scribbleseg.engine.project;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.image.ImageDecodeException;
import org.scribbleseg.engine.image.ImageInfo;
import org.scribbleseg.engine.image.ImageLoader;

/**
 * Whether each image file still holds the pixels its labels were drawn on. The file's size and modification time
 * are compared with those recorded when its sha256 was last confirmed; only a file whose stamp differs (or has none
 * yet) is hashed. A file with the stored sha256 gets its new stamp recorded (when the project is writable); one with
 * another sha256 is reported {@link State#CHANGED}, one that cannot be read {@link State#MISSING}.
 */
public final class ImageIntegrity {
    private ImageIntegrity() {
    }

    public enum State {
        CHANGED, MISSING
    }

    /** An image whose file no longer matches the project. */
    public record Problem(ImageEntry image, Path file, State state) {
        /** "a.jpg (image 3): the file was replaced since it was imported" etc. */
        public String describe() {
            return file + " (image " + image.id() + "): " + (state == State.CHANGED
                    ? "the file's content changed since it was imported (its labels may not fit the new pixels)"
                    : "the file is missing or unreadable");
        }
    }

    /** Checks every image of the project. */
    public static List<Problem> check(ProjectStore store) {
        return check(store, store.images());
    }

    /** Checks the given images; the problems in the given order. */
    public static List<Problem> check(ProjectStore store, Collection<ImageEntry> images) {
        Map<Long, FileStamp> stamps = store.fileStamps();
        List<Problem> out = new ArrayList<>();
        for (ImageEntry e : images) {
            Path file = store.resolve(e);
            Optional<FileStamp> now = FileStamp.of(file);
            if (now.isEmpty()) {
                out.add(new Problem(e, file, State.MISSING));
                continue;
            }
            if (now.get().equals(stamps.get(e.id()))) {
                continue;
            }
            String sha;
            try {
                sha = ImageLoader.sha256(ImageLoader.readBytes(file));
            } catch (ImageDecodeException ex) {
                out.add(new Problem(e, file, State.MISSING));
                continue;
            }
            if (!sha.equals(e.sha256())) {
                out.add(new Problem(e, file, State.CHANGED));
            } else if (!store.isReadOnly()) {
                store.confirmFileStamp(e.id(), now.get()); // touched or copied, same bytes
            }
        }
        return out;
    }

    /**
     * Accepts the current content of an image's file: decoded fully (so it is a valid image), then its sha256, size
     * and stamp replace the stored ones. Labels are kept when the size is unchanged, unless {@code dropLabels}.
     */
    public static ImageEntry relink(ProjectStore store, ImageEntry e, boolean dropLabels) {
        Path file = store.resolve(e);
        ImageInfo info;
        try {
            info = ImageLoader.probe(file);
        } catch (ImageDecodeException ex) {
            throw new ProjectException("cannot re-link " + file + ": " + ex.getMessage() + ". Nothing was changed.", ex);
        }
        return store.relinkImage(e.id(), info.sha256(), info.width(), info.height(), FileStamp.of(file).orElse(null), dropLabels);
    }
}
