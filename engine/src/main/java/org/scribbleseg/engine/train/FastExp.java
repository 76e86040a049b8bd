package org.scribbleseg.engine.train;

/** A fast float exponential for softmax loops (training and prediction). */
public final class FastExp {
    private FastExp() {
    }

    /** e^x for x in [-30, 0] (and beyond, less accurately): 2^(x log2 e) by exponent bits × a degree-6 polynomial. */
    public static float exp(float x) {
        float t = x * 1.4426950408889634f;
        float fi = (float) Math.floor(t);
        float f = t - fi;
        // 2^f on [0, 1): Taylor of e^(f ln2) to degree 6 (relative error < 2e-7)
        float l = f * 0.6931471805599453f;
        float p = 1f + l * (1f + l * (0.5f + l * (0.16666667f + l * (0.041666668f + l * (0.008333334f
                + l * 0.0013888889f)))));
        int e = (int) fi + 127;
        if (e <= 0) {
            return 0f;
        }
        return Float.intBitsToFloat(e << 23) * p;
    }
}
