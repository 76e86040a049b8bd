package org.scribbleseg.engine.train;

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for the small smooth convex problems of the live
 * head and the CAM classifier. Deterministic: no randomness, fixed evaluation order.
 */
public final class Lbfgs {

    /** f(x), writing ∇f(x) into grad. */
    @FunctionalInterface
    public interface Objective {
        double evaluate(double[] x, double[] grad);
    }

    /**
     * What a run did; {@code limited}: it stopped at its iteration or evaluation limit (not because the gradient or
     * the loss's change became small, nor because a line search found no decrease), so more iterations would go on.
     */
    public record Result(double initialLoss, double finalLoss, int iterations, int evaluations, boolean limited) {
    }

    private final int memory;

    public Lbfgs(int memory) {
        if (memory < 1) {
            throw new IllegalArgumentException("memory must be >= 1");
        }
        this.memory = memory;
    }

    /**
     * Minimises f from x (updated in place) for at most maxIterations iterations (each one line search; usually one
     * evaluation). Stops early when the gradient's max-norm falls below gradTolerance.
     */
    public Result minimize(Objective f, double[] x, int maxIterations, double gradTolerance) {
        return minimize(f, x, maxIterations, Integer.MAX_VALUE, gradTolerance);
    }

    /**
     * As {@link #minimize(Objective, double[], int, double)}, also stopping before an evaluation that would exceed
     * {@code maxEvaluations} (the first one included): x is then the last accepted point. For a caller that needs an
     * answer in bounded time, since a line search that backtracks costs an evaluation per halving.
     */
    public Result minimize(Objective f, double[] x, int maxIterations, int maxEvaluations, double gradTolerance) {
        if (maxEvaluations < 1) {
            throw new IllegalArgumentException("maxEvaluations must be >= 1");
        }
        int n = x.length;
        double[] g = new double[n];
        double fx = f.evaluate(x, g);
        double f0 = fx;
        int evals = 1;
        double[][] s = new double[memory][n];
        double[][] y = new double[memory][n];
        double[] rho = new double[memory];
        double[] alpha = new double[memory];
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int stored = 0;
        int head = 0;
        int it = 0;
        boolean limited = true;
        for (; it < maxIterations; it++) {
            if (maxAbs(g) < gradTolerance) {
                limited = false;
                break;
            }
            // two-loop recursion: d = -H g
            System.arraycopy(g, 0, d, 0, n);
            for (int j = 0; j < stored; j++) {
                int k = Math.floorMod(head - 1 - j, memory);
                alpha[k] = rho[k] * dot(s[k], d);
                axpy(-alpha[k], y[k], d);
            }
            double gamma;
            if (stored > 0) {
                int k = Math.floorMod(head - 1, memory);
                gamma = dot(s[k], y[k]) / dot(y[k], y[k]);
            } else {
                gamma = 1.0 / Math.max(1e-12, Math.sqrt(dot(g, g)));
                gamma = Math.min(gamma, 1.0);
            }
            for (int i = 0; i < n; i++) {
                d[i] *= gamma;
            }
            for (int j = stored - 1; j >= 0; j--) {
                int k = Math.floorMod(head - 1 - j, memory);
                double beta = rho[k] * dot(y[k], d);
                axpy(alpha[k] - beta, s[k], d);
            }
            for (int i = 0; i < n; i++) {
                d[i] = -d[i];
            }
            double slope = dot(g, d);
            if (slope >= 0) { // not a descent direction: reset to steepest descent
                stored = 0;
                double scale = 1.0 / Math.max(1e-12, Math.sqrt(dot(g, g)));
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i] * Math.min(1.0, scale);
                }
                slope = dot(g, d);
            }
            double step = 1.0;
            double fNew = Double.NaN;
            boolean accepted = false;
            boolean outOfEvaluations = false;
            for (int ls = 0; ls < 20; ls++) {
                if (evals >= maxEvaluations) {
                    outOfEvaluations = true;
                    break;
                }
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * d[i];
                }
                fNew = f.evaluate(xNew, gNew);
                evals++;
                if (fNew <= fx + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                limited = outOfEvaluations;
                break;
            }
            double sy = 0;
            for (int i = 0; i < n; i++) {
                sy += (xNew[i] - x[i]) * (gNew[i] - g[i]);
            }
            if (sy > 1e-12) { // else nothing is written: with the memory full, slot head is the oldest pair in use
                double[] sk = s[head];
                double[] yk = y[head];
                for (int i = 0; i < n; i++) {
                    sk[i] = xNew[i] - x[i];
                    yk[i] = gNew[i] - g[i];
                }
                rho[head] = 1.0 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            double prev = fx;
            fx = fNew;
            if (Math.abs(prev - fx) <= 1e-10 * Math.max(1.0, Math.abs(fx))) {
                it++;
                limited = false;
                break;
            }
        }
        return new Result(f0, fx, it, evals, limited);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
