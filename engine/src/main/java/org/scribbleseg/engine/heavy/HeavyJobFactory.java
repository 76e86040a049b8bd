package org.scribbleseg.engine.heavy;

/**
 * Makes {@link HeavyJob}s of one method. Implementations are found with {@link java.util.ServiceLoader} (list them
 * in {@code META-INF/services/org.scribbleseg.engine.heavy.HeavyJobFactory}), so a method plugs in without the
 * worker knowing it: the worker looks the method name of a {@code start} command up in {@link HeavyJobs}.
 */
public interface HeavyJobFactory {
    /** The method name used on the command line and in the protocol ({@code --method conv-probe}). */
    String method();

    /** One line for {@code train --help} and the app. */
    String description();

    HeavyJob create();

    /**
     * The model of a finished run of this method as a predictor (inference in the engine's JVM), or empty when the
     * method has none. {@link RunPredictor#of} asks the run's factory, so methods plug in without heavy knowing them.
     */
    default java.util.Optional<org.scribbleseg.engine.predict.Predictor> predictor(org.scribbleseg.engine.project.RunRecord run,
            Checkpoint checkpoint, java.util.function.Function<org.scribbleseg.engine.project.ImageEntry,
            org.scribbleseg.engine.image.RgbImage> images) {
        return java.util.Optional.empty();
    }
}
