package org.scribbleseg.engine.nn.optim;

/**
 * Polynomial decay {@code (1 - t/T)^power} (mmseg / SemiVL use power 0.9), with an optional linear warm-up over the
 * first {@code warmupSteps} steps from {@code warmupStartFactor} to 1 (mmcv's "linear" warm-up: the poly factor
 * times {@code r + (1 - r) t / W}). {@code t} is the number of steps already taken, so the first step uses t = 0,
 * as PyTorch's {@code LambdaLR} stepped after each optimizer step. Past T the factor is 0.
 */
public record PolySchedule(long totalSteps, double power, long warmupSteps, double warmupStartFactor)
        implements LrSchedule {

    public PolySchedule {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("total steps must be > 0, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warm-up steps must be in [0, " + totalSteps + "], got " + warmupSteps);
        }
        if (!(warmupStartFactor >= 0 && warmupStartFactor <= 1)) {
            throw new IllegalArgumentException("warm-up start factor must be in [0, 1], got " + warmupStartFactor);
        }
    }

    /** Poly power 0.9 over {@code totalSteps}, no warm-up. */
    public static PolySchedule poly(long totalSteps) {
        return new PolySchedule(totalSteps, 0.9, 0, 1.0);
    }

    @Override
    public double factor(long t) {
        if (t >= totalSteps) {
            return 0.0;
        }
        double f = Math.pow(1.0 - (double) t / totalSteps, power);
        if (t < warmupSteps) {
            f *= warmupStartFactor + (1.0 - warmupStartFactor) * t / warmupSteps;
        }
        return f;
    }
}
