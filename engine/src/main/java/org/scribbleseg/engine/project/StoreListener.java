package org.scribbleseg.engine.project;

import org.scribbleseg.engine.image.LabelMap;

/** Hears every committed change. Called on the thread that made the change, after the commit. */
@FunctionalInterface
public interface StoreListener {
    /**
     * @param imageId the image whose annotations changed, or -1 for project-wide changes (classes)
     * @param revision the project's annotation revision after the change
     */
    void annotationsChanged(long imageId, long revision);

    /**
     * A dense mask was set for an image ({@code source}: {@link MaskRecord#ACCEPTED}, partial, imported...).
     * Called after {@link #annotationsChanged} for the same change.
     */
    default void maskSet(long imageId, LabelMap mask, String source, long revision) {
    }
}
