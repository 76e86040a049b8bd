package org.scribbleseg.app;

import java.util.HashMap;
import java.util.Map;

/**
 * Time left of running jobs, from their progress events: the rate since the job's first progress report (the
 * first unit often includes start-up, so it is the reference point, not counted), extrapolated to the units left.
 * Shown only once a job has reported two steps and has been running for a second.
 */
final class JobEta {
    private record Start(long nanos, long done) {
    }

    private final Map<String, Start> starts = new HashMap<>();

    /** The status text suffix for a progress report at time {@code now} ("" when no estimate yet). */
    String update(String jobId, long done, long total, long now) {
        Start s = starts.computeIfAbsent(jobId, k -> new Start(now, done));
        long steps = done - s.done();
        long elapsed = now - s.nanos();
        if (total <= 0 || done >= total || steps < 1 || elapsed < 1_000_000_000L) {
            return "";
        }
        double left = (double) elapsed / steps * (total - done) / 1e9;
        return " · " + format(left) + " left";
    }

    /** How long ago the job's first progress report came (0 when none came yet). */
    long age(String jobId, long now) {
        Start s = starts.get(jobId);
        return s == null ? 0 : now - s.nanos();
    }

    void finished(String jobId) {
        starts.remove(jobId);
    }

    static String format(double seconds) {
        if (seconds < 60) {
            return "about " + Math.max(1, Math.round(seconds)) + " s";
        }
        if (seconds < 3600) {
            return "about " + Math.round(seconds / 60) + " min";
        }
        long h = (long) (seconds / 3600);
        return "about " + h + " h " + Math.round((seconds - h * 3600) / 60) + " min";
    }
}
