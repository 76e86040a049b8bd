package org.scribbleseg.engine.project;

import java.util.Set;

/**
 * What changed in a project's annotations between two revisions: the images whose strokes, tags or mask changed,
 * or {@code all} when the change was project-wide (classes) or cannot be told (another program wrote, or the
 * journal no longer reaches back that far): then everything must be read again.
 *
 * @param revision the revision these changes bring the reader to
 */
public record AnnotationChanges(long revision, boolean all, Set<Long> images) {
    public AnnotationChanges {
        images = Set.copyOf(images);
    }

    public static AnnotationChanges everything(long revision) {
        return new AnnotationChanges(revision, true, Set.of());
    }
}
