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
}
