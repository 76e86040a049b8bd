package org.scribbleseg.engine.nn.optim;

/** A learning-rate multiplier as a function of the number of optimizer steps already taken (0 for the first step). */
@FunctionalInterface
public interface LrSchedule {
    double factor(long stepsDone);

    /** No schedule: factor 1 always. */
    LrSchedule CONSTANT = t -> 1.0;
}
