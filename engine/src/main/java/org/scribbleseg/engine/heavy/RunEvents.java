package org.scribbleseg.engine.heavy;

import java.nio.file.Path;
import java.util.Map;

/** What a {@link HeavyRunner} reports; the worker turns each call into one protocol event line. */
public interface RunEvents {
    void started(String device, long step, long total, boolean resumed);

    void progress(long step, long total, double loss, double etaSeconds, double stepsPerSecond);

    void metrics(long step, Map<String, Double> values);

    void checkpoint(long step, Path dir);

    void paused(long step);

    void resumed(long step);

    void finished(long step, Path dir, Map<String, Double> metrics);

    void cancelled(long step, Path dir);
}
