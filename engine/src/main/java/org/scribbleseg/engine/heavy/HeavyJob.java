package org.scribbleseg.engine.heavy;

import java.util.Map;

/**
 * A long training job that runs in the worker process ({@code scribbleseg worker}), step by step, under a
 * {@link HeavyRunner} that owns the loop: it pauses, cancels, reports progress and ETA, evaluates, and checkpoints
 * between steps. The seed methods (SemiVL, SimMIM, DDeP, ZeroSeg) are implementations of this interface, registered
 * through a {@link HeavyJobFactory}.
 *
 * <p>The contract that makes kill -9 and resume safe: everything {@link #step} depends on (weights, optimizer moments
 * and step count, RNG state, data cursor) is written by {@link #save} and read back by {@link #restore}, so
 * {@code init; step×k; save; [new process] init; restore; step×(n−k)} ends with the same weights as
 * {@code init; step×n}. Use {@link SeededRandom} for every random draw (its state is one long) and keep the data
 * order a function of it.
 *
 * <p>Calls come from one thread, in this order: {@link #init}, optionally {@link #restore}, then {@link #step},
 * {@link #evaluate} and {@link #save} interleaved, then {@link #close}.
 */
public interface HeavyJob extends AutoCloseable {

    /** Loads the data and builds the model and optimizer from the config and seed (a fresh run). */
    void init(HeavyContext ctx) throws Exception;

    /** Total number of steps of the run (known after {@link #init}). */
    long totalSteps();

    /** Runs optimisation step {@code step} (0-based) and returns its loss (NaN when it has none). */
    double step(long step) throws Exception;

    /** Metrics of the model now (e.g. {@code miou} on held-out labels); empty when the job has none. */
    Map<String, Double> evaluate() throws Exception;

    /** Writes weights, optimizer state, RNG state and data cursor. */
    void save(Checkpoint.Writer out) throws Exception;

    /** Continues from a checkpoint written by {@link #save} of the same method and config. */
    void restore(Checkpoint in) throws Exception;

    /** Frees native memory (NDManager). */
    @Override
    void close();
}
