package org.scribbleseg.engine.export;

import java.io.IOException;

/** A VOC folder (or export target) that cannot be used as it is; the message says what and where. */
public class VocFormatException extends IOException {
    public VocFormatException(String message) {
        super(message);
    }
}
