package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LbfgsTest {

    /** ½ Σ a_i (x_i − c_i)², condition number 1000: gradient steps crawl, quasi-Newton steps do not. */
    private static Lbfgs.Objective quadratic(double[] a, double[] c) {
        return (x, g) -> {
            double f = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - c[i];
                f += 0.5 * a[i] * d * d;
                g[i] = a[i] * d;
            }
            return f;
        };
    }

    private static double[] scales(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.pow(1000, i / (double) (n - 1));
        }
        return a;
    }

    private static double[] centre(int n, double shift) {
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = Math.sin(i) + shift * Math.cos(3 * i);
        }
        return c;
    }

    @Test
    void findsTheMinimumOfAnIllConditionedQuadratic() {
        int n = 6;
        double[] x = new double[n];
        Lbfgs.Result r = new Lbfgs(8).minimize(quadratic(scales(n), centre(n, 0)), x, 200, 1e-9);
        double[] c = centre(n, 0);
        for (int i = 0; i < n; i++) {
            assertThat(x[i]).isCloseTo(c[i], org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(r.finalLoss()).isLessThan(1e-9);
    }

    @Test
    void anEvaluationCapStopsAtTheLastAcceptedPointAndSaysItWasLimited() {
        int n = 6;
        Lbfgs.Objective f = quadratic(scales(n), centre(n, 0));
        int[] count = {0};
        Lbfgs.Objective counted = (x, g) -> {
            count[0]++;
            return f.evaluate(x, g);
        };
        double[] free = new double[n];
        Lbfgs.Result all = new Lbfgs(8).minimize(counted, free, 200, 1e-9);
        assertThat(all.limited()).as("converged").isFalse();
        assertThat(all.evaluations()).isEqualTo(count[0]).isGreaterThan(5);

        count[0] = 0;
        double[] x = new double[n];
        Lbfgs.Result capped = new Lbfgs(8).minimize(counted, x, 200, 5, 1e-9);
        assertThat(count[0]).isEqualTo(5);
        assertThat(capped.evaluations()).isEqualTo(5);
        assertThat(capped.limited()).isTrue();
        assertThat(capped.finalLoss()).isLessThan(capped.initialLoss()).isGreaterThan(all.finalLoss());
        // x is the accepted point whose loss is reported, not a rejected line-search trial
        assertThat(f.evaluate(x, new double[n])).isEqualTo(capped.finalLoss());

        // the same number of iterations without a cap reaches the same point when no evaluation was cut
        double[] y = new double[n];
        Lbfgs.Result sameIterations = new Lbfgs(8).minimize(f, y, capped.iterations(), 1e-9);
        assertThat(sameIterations.limited()).isTrue();
        assertThat(sameIterations.evaluations()).isGreaterThanOrEqualTo(capped.evaluations());
    }
}
