package org.scribbleseg.engine.predict;

import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.WeakLabelHead;

/**
 * Temperature scaling of the live head (Guo et al. 2017): the head's softmax is overconfident on pixels it did not
 * train on, so one temperature T is fitted on labelled pixels <em>held out from training</em> and the logits are
 * divided by it. As the head is linear, that is the same head with weights and biases divided by T
 * ({@link #withTemperature}): the argmax (the mask) is unchanged, the confidence and uncertainty maps and the mean
 * uncertainty become calibrated, and the predictor needs no change.
 *
 * <p>Hold-out ({@link #split}): each image's labelled pixels are cut into {@value #BLOCK}×{@value #BLOCK}-pixel
 * blocks; one block in {@value #HOLD_EVERY} (chosen by a hash of the image key and the block position, so the same
 * every time) is held out — its pixels are void for training and are the calibration set — unless a class in it has
 * fewer than {@value #MIN_BLOCKS} labelled blocks on the image (a single click or a short stroke is always trained
 * on). Blocks rather than single pixels, so the held-out pixels are not the immediate neighbours of trained ones.
 *
 * <p>Fit ({@link #fitTemperature}): damped Newton steps on the mean negative log-likelihood, convex in 1/T, with T
 * kept in [0.05, 20], on at most {@value #MAX_SAMPLES} held-out samples (logits computed once, then a handful of
 * passes).
 */
public final class Calibration {
    public static final int BLOCK = 32;
    public static final int HOLD_EVERY = 5;
    public static final int MIN_BLOCKS = 5;
    public static final int MAX_SAMPLES = 5_000;
    /** Fewer held-out samples than this: no fit (T = 1). */
    public static final int MIN_SAMPLES = 50;
    /** Bins of the expected calibration error. */
    public static final int ECE_BINS = 15;

    private Calibration() {
    }

    /** An image's labels cut into the part the head trains on and the held-out part (both void elsewhere). */
    public record Split(LabelMap train, LabelMap heldOut, int heldOutPixels) {
    }

    /** Splits {@code labels} (see the class comment); {@code key} identifies the image (stable across revisions). */
    public static Split split(LabelMap labels, String key) {
        return split(labels, key, null);
    }

    /**
     * As {@link #split(LabelMap, String)}, with the held-out map written into {@code heldOutBuffer} when it has one
     * byte per pixel (else into a new array): for a caller that samples the held-out pixels at once and splits again
     * only after that, so a stroke does not allocate a full-resolution map that is garbage a moment later. The
     * returned held-out map is then a view of the buffer, valid until the buffer's next use.
     */
    public static Split split(LabelMap labels, String key, byte[] heldOutBuffer) {
        int w = labels.width();
        int h = labels.height();
        int bw = (w + BLOCK - 1) / BLOCK;
        int bh = (h + BLOCK - 1) / BLOCK;
        byte[] d = labels.data();
        // per block: a bit set of the classes in it (values 0..254, 4 longs)
        long[][] classesIn = new long[bw * bh][];
        int[] blocksOf = new int[256];
        for (int y = 0; y < h; y++) {
            int row = y * w;
            int brow = (y / BLOCK) * bw;
            int rowEnd = row + w;
            for (int i = LabelMap.nextLabelled(d, row, rowEnd); i < rowEnd; i = LabelMap.nextLabelled(d, i + 1, rowEnd)) {
                int x = i - row;
                int v = d[i] & 0xff;
                int b = brow + x / BLOCK;
                long[] set = classesIn[b];
                if (set == null) {
                    set = classesIn[b] = new long[4];
                }
                if ((set[v >> 6] & (1L << (v & 63))) == 0) {
                    set[v >> 6] |= 1L << (v & 63);
                    blocksOf[v]++;
                }
            }
        }
        boolean[] held = new boolean[bw * bh];
        boolean any = false;
        long seed = key.hashCode() * 0x9E3779B97F4A7C15L;
        for (int b = 0; b < held.length; b++) {
            long[] set = classesIn[b];
            if (set == null || Math.floorMod(mix(seed + b), HOLD_EVERY) != 0) {
                continue;
            }
            boolean ok = true;
            for (int v = 0; v < 255 && ok; v++) {
                if ((set[v >> 6] & (1L << (v & 63))) != 0 && blocksOf[v] < MIN_BLOCKS) {
                    ok = false;
                }
            }
            held[b] = ok;
            any |= ok;
        }
        byte[] out = heldOutBuffer != null && heldOutBuffer.length == d.length ? heldOutBuffer : new byte[d.length];
        java.util.Arrays.fill(out, (byte) LabelMap.VOID);
        if (!any) {
            return new Split(labels, new LabelMap(w, h, out), 0);
        }
        byte[] train = d.clone();
        int n = 0;
        for (int y = 0; y < h; y++) {
            int row = y * w;
            int brow = (y / BLOCK) * bw;
            int rowEnd = row + w;
            for (int i = LabelMap.nextLabelled(d, row, rowEnd); i < rowEnd; i = LabelMap.nextLabelled(d, i + 1, rowEnd)) {
                int x = i - row;
                if (held[brow + x / BLOCK]) {
                    out[i] = d[i];
                    train[i] = (byte) LabelMap.VOID;
                    n++;
                }
            }
        }
        return new Split(new LabelMap(w, h, train), new LabelMap(w, h, out), n);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The same head with its logits divided by {@code t} (argmax unchanged). */
    public static LinearHead withTemperature(LinearHead h, double t) {
        if (t == 1.0) {
            return h;
        }
        float[] w = h.weights().clone();
        float[] b = h.bias().clone();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (w[i] / t);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (b[i] / t);
        }
        return new LinearHead(h.classValues(), h.mean(), h.std(), w, b);
    }

    /** Held-out samples as logits (n × K, row-major) and target output indices. */
    record Logits(float[] z, int[] target, int n, int k) {
    }

    /** The head's logits on at most {@value #MAX_SAMPLES} held-out samples (evenly strided), classes unknown to it skipped. */
    static Logits logits(LinearHead head, List<WeakLabelHead.Samples> heldOut) {
        long total = 0;
        for (WeakLabelHead.Samples s : heldOut) {
            total += s.size();
        }
        long step = Math.max(1, (total + MAX_SAMPLES - 1) / MAX_SAMPLES);
        int k = head.numClasses();
        int c = head.channels();
        float[] aff = head.rawAffine();
        List<float[]> rows = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        long seen = 0;
        for (WeakLabelHead.Samples s : heldOut) {
            if (s.channels() != c) {
                continue;
            }
            for (int i = 0; i < s.size(); i++) {
                if (seen++ % step != 0) {
                    continue;
                }
                int t = head.indexOf(s.labels()[i]);
                if (t < 0) {
                    continue;
                }
                float[] z = new float[k];
                for (int j = 0; j < k; j++) {
                    double v = aff[k * c + j];
                    for (int q = 0; q < c; q++) {
                        v += aff[j * c + q] * s.features()[i * c + q];
                    }
                    z[j] = (float) v;
                }
                rows.add(z);
                targets.add(t);
            }
        }
        int n = rows.size();
        float[] z = new float[n * k];
        int[] target = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, z, i * k, k);
            target[i] = targets.get(i);
        }
        return new Logits(z, target, n, k);
    }

    /** Mean negative log-likelihood of the targets under softmax(z / t). */
    static double nll(Logits l, double t) {
        double sum = 0;
        int k = l.k();
        for (int i = 0; i < l.n(); i++) {
            int o = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, l.z()[o + j] / t);
            }
            double s = 0;
            for (int j = 0; j < k; j++) {
                s += Math.exp(l.z()[o + j] / t - max);
            }
            sum += max + Math.log(s) - l.z()[o + l.target()[i]] / t;
        }
        return l.n() == 0 ? 0 : sum / l.n();
    }

    /** The mean NLL at inverse temperature {@code beta} with its first and second derivatives in beta. */
    private static double[] pass(Logits l, double beta) {
        double nll = 0;
        double g = 0;
        double h = 0;
        int k = l.k();
        float[] z = l.z();
        for (int i = 0; i < l.n(); i++) {
            int o = i * k;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, beta * z[o + j]);
            }
            double s = 0;
            double ez = 0;
            double ez2 = 0;
            for (int j = 0; j < k; j++) {
                double e = Math.exp(beta * z[o + j] - max);
                s += e;
                ez += e * z[o + j];
                ez2 += e * z[o + j] * z[o + j];
            }
            ez /= s;
            ez2 /= s;
            double zy = z[o + l.target()[i]];
            nll += max + Math.log(s) - beta * zy;
            g += ez - zy;
            h += ez2 - ez * ez;
        }
        int n = Math.max(1, l.n());
        return new double[] {nll / n, g / n, h / n};
    }

    /**
     * The temperature minimising the held-out NLL (1 when there are too few held-out samples or classes). The NLL is
     * convex in the inverse temperature beta = 1/T (its second derivative is the mean variance of the logits under
     * the softmax), so a damped Newton iteration from beta = 1 takes a handful of passes over the samples.
     */
    public static double fitTemperature(LinearHead head, List<WeakLabelHead.Samples> heldOut) {
        if (head.numClasses() < 2) {
            return 1.0;
        }
        Logits l = logits(head, heldOut);
        if (l.n() < MIN_SAMPLES) {
            return 1.0;
        }
        double lo = 1 / 20.0;
        double hi = 1 / 0.05;
        double beta = 1;
        double[] cur = pass(l, beta);
        for (int it = 0; it < 30; it++) {
            if (cur[2] <= 1e-12) {
                break;
            }
            double step = cur[1] / cur[2];
            double next = Math.max(lo, Math.min(hi, beta - step));
            double[] at = pass(l, next);
            for (int halve = 0; halve < 20 && at[0] > cur[0]; halve++) {
                next = (beta + next) / 2;
                at = pass(l, next);
            }
            boolean done = Math.abs(next - beta) < 1e-5 * beta;
            beta = next;
            cur = at;
            if (done) {
                break;
            }
        }
        return 1 / beta;
    }

    /** Expected calibration error over {@value #ECE_BINS} equal-width confidence bins: Σ (n_b / n) |acc_b − conf_b|. */
    public static final class Ece {
        private final long[] count = new long[ECE_BINS];
        private final double[] conf = new double[ECE_BINS];
        private final long[] correct = new long[ECE_BINS];

        public void add(double confidence, boolean right) {
            int b = Math.min(ECE_BINS - 1, (int) (confidence * ECE_BINS));
            count[b]++;
            conf[b] += confidence;
            correct[b] += right ? 1 : 0;
        }

        /**
         * Adds every pixel whose truth is not void: confidence bytes of a prediction ({@link Prediction#confidence()},
         * value/255) against the truth.
         */
        public void add(Prediction p, LabelMap truth) {
            byte[] lab = p.labels().data();
            byte[] t = truth.data();
            byte[] c = p.confidence();
            for (int i = 0; i < t.length; i++) {
                if (t[i] != (byte) LabelMap.VOID) {
                    add((c[i] & 0xff) / 255.0, lab[i] == t[i]);
                }
            }
        }

        public long count() {
            long n = 0;
            for (long x : count) {
                n += x;
            }
            return n;
        }

        public double value() {
            long n = count();
            if (n == 0) {
                return Double.NaN;
            }
            double e = 0;
            for (int b = 0; b < ECE_BINS; b++) {
                if (count[b] > 0) {
                    e += Math.abs((double) correct[b] / count[b] - conf[b] / count[b]) * count[b] / n;
                }
            }
            return e;
        }

        public double accuracy() {
            long n = count();
            long ok = 0;
            for (long x : correct) {
                ok += x;
            }
            return n == 0 ? Double.NaN : (double) ok / n;
        }

        public double meanConfidence() {
            long n = count();
            double s = 0;
            for (double x : conf) {
                s += x;
            }
            return n == 0 ? Double.NaN : s / n;
        }
    }
}
