package org.scribbleseg.engine.image;

import java.io.IOException;
import java.nio.file.Path;

/** A file that cannot be read as an image, with the specific reason (shown to the user next to the file). */
public class ImageDecodeException extends IOException {

    /** Why the file was refused. */
    public enum Reason {
        /** The file has no bytes. */
        EMPTY("empty file"),
        /** The file could not be read (missing, a folder, no permission, I/O error). */
        UNREADABLE("unreadable"),
        /** The bytes are not any image format we know. */
        NOT_AN_IMAGE("not an image"),
        /** A known format whose data stops early. */
        TRUNCATED("truncated"),
        /** A known format this build cannot decode (HEIF, AVIF, a pixel type we do not convert...). */
        UNSUPPORTED("unsupported format"),
        /** A known format whose data is damaged. */
        CORRUPT("corrupt");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final transient Path file;
    private final Reason reason;

    public ImageDecodeException(Path file, Reason reason, String detail) {
        this(file, reason, detail, null);
    }

    public ImageDecodeException(Path file, Reason reason, String detail, Throwable cause) {
        super(file + ": " + reason.label() + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"), cause);
        this.file = file;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public Reason reason() {
        return reason;
    }

    /** The reason with its detail, without the file name ("truncated (no JPEG end-of-image marker)"). */
    public String reasonText() {
        String m = getMessage();
        String prefix = file + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
