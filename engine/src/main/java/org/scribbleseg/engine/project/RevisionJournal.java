package org.scribbleseg.engine.project;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The image each recent revision of this connection changed (-1 for a project-wide change), so that a reader at
 * revision r can re-read only what changed since. A revision the journal does not know (written by another
 * program, or older than the last {@link #CAPACITY} changes) turns the answer into "everything".
 */
final class RevisionJournal {
    static final int CAPACITY = 4096;

    /** revision -> image ids changed in that revision (a revision that was rolled back and reused may hold two). */
    private final ConcurrentSkipListMap<Long, Set<Long>> changes = new ConcurrentSkipListMap<>();

    synchronized void note(long revision, long imageId) {
        changes.computeIfAbsent(revision, r -> new HashSet<>()).add(imageId);
        while (changes.size() > CAPACITY) {
            changes.pollFirstEntry();
        }
    }

    /** The changes after {@code since} up to {@code now} (the revision on disk). */
    synchronized AnnotationChanges changesSince(long since, long now) {
        if (since > now) {
            return AnnotationChanges.everything(now);
        }
        Set<Long> images = new HashSet<>();
        long expected = since + 1;
        for (Map.Entry<Long, Set<Long>> e : changes.subMap(since, false, now, true).entrySet()) {
            if (e.getKey() != expected || e.getValue().contains(-1L)) {
                return AnnotationChanges.everything(now); // a gap: a revision this connection did not write
            }
            images.addAll(e.getValue());
            expected++;
        }
        if (expected != now + 1) {
            return AnnotationChanges.everything(now);
        }
        return new AnnotationChanges(now, false, images);
    }
}
