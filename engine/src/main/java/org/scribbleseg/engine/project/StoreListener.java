package org.scribbleseg.engine.project;

/** Hears every committed change. Called on the thread that made the change, after the commit. */
@FunctionalInterface
public interface StoreListener {
    /**
     * @param imageId the image whose annotations changed, or -1 for project-wide changes (classes)
     * @param revision the project's annotation revision after the change
     */
    void annotationsChanged(long imageId, long revision);

    /**
     * A mask was accepted for an image that had a first look: its record was added (or, on a re-accept, replaced).
     * Called after {@link #annotationsChanged} for the same change.
     */
    default void maskAccepted(AcceptRecord record) {
    }
}
