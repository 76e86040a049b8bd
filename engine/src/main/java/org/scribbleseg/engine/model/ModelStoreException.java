package org.scribbleseg.engine.model;

/** A model download, import or lookup failed; the message is meant for the user, one line first. */
public class ModelStoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelStoreException(String message) {
        super(message);
    }

    public ModelStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
