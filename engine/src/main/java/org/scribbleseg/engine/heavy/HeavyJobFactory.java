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
}
