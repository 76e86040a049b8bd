package org.scribbleseg.engine.project;

/**
 * How good the live head was on an image before the user corrected it, and what the correction cost: the head's
 * first look at the image (its latest prediction made before the user's first touch) against the mask the user
 * accepted, over the mask's non-void pixels.
 *
 * @param id order of the first accept of the image (a re-accept keeps the id and updates the rest)
 * @param imageId the image
 * @param acceptedAtMillis when the mask was (last) accepted, epoch milliseconds
 * @param accuracy pixel accuracy of the first look, 0..1
 * @param meanIoU mean IoU of the first look over the classes in the mask or the first look, 0..1
 * @param strokes active strokes on the image when it was accepted
 * @param durationMs time spent drawing every stroke of the image, undone ones included
 * @param headRevision annotation revision the head that made the first look was trained on
 */
public record AcceptRecord(long id, long imageId, long acceptedAtMillis, double accuracy, double meanIoU, int strokes,
        long durationMs, long headRevision) {

    public double seconds() {
        return durationMs / 1000.0;
    }
}
