package org.scribbleseg.engine.model;

/** The user cancelled a model download; the partial file is kept so the next download resumes it. */
public final class DownloadCancelledException extends ModelStoreException {
    private static final long serialVersionUID = 1L;

    public DownloadCancelledException(String message) {
        super(message);
    }
}
