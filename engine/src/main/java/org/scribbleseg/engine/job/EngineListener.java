package org.scribbleseg.engine.job;

/** Receives engine events on an engine thread; UIs must hand them over to their own thread. */
@FunctionalInterface
public interface EngineListener {
    void onEvent(EngineEvent event);
}
