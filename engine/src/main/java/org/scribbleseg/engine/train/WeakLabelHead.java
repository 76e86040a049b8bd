package org.scribbleseg.engine.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;

/**
 * The live weak-label head (methods.md §A): masked softmax cross-entropy on sampled labelled pixels, per-channel
 * standardisation, Linear(C → K), small weight decay, warm-started L-BFGS with a bounded number of full-batch
 * iterations per annotation revision.
 *
 * <p>Why plain Java and not DJL: the problem is tiny (C ≤ 768, K ≤ 20, ≤ ~100k samples), one full-batch
 * loss+gradient is a single fused pass over the sample matrix (forward, softmax, backward, no intermediate
 * tensors), and DJL would add a JNI call and NDArray allocation per op (a dozen per step) plus copies of the sample
 * matrix. Measured on the shared 2-core dev host ({@code bench live}): 10 L-BFGS iterations (11 evaluations) on
 * 10k samples × 54 channels × 5 classes take ~40–65 ms, 100k ~0.3–0.4 s, 1M ~3–3.6 s (linear in samples).
 *
 * <p>Sampling: per (image, class), at most {@link Config#maxSamplesPerClass()} labelled pixels, stratified in raster
 * order (one pixel drawn from each of N equal rank buckets with a seeded generator), so one heavily painted image
 * does not dominate. For the 100 ms loop the total is also bounded ({@link Config#maxTotalSamples()}, default
 * 20,000): the per-group cap is lowered uniformly until the total fits, so every group keeps the same share. Void pixels (255) are never sampled. Samples are cached per (image id, revision): after a
 * stroke only the changed image is re-sampled.
 *
 * <p>Deterministic for a fixed seed and input order. Not thread-safe: one trainer per interactive worker.
 */
public final class WeakLabelHead {

    /** Default loss weight of pseudo-mask pixels (tags → CAM, CLIP zero-shot). */
    public static final double PSEUDO_WEIGHT = 0.3;

    /**
     * @param maxSamplesPerClass N: at most this many pixels per (image, class)
     * @param maxSteps           L-BFGS iterations per call to {@link #train} when warm-started
     * @param coldSteps          L-BFGS iterations when there is no previous head
     * @param weightDecay        L2 coefficient on the (standardised-space) weights
     * @param classBalanced      weight classes so that each has the same total weight
     * @param seed               sampling seed
     * @param maxTotalSamples    interactive budget: when the (image, class) groups hold more samples than this in
     *                           all, the per-group cap is lowered uniformly (water-filling, evenly spaced subsets of
     *                           each group) until the total fits; 0 = no limit
     */
    public record Config(int maxSamplesPerClass, int maxSteps, int coldSteps, double weightDecay,
            boolean classBalanced, long seed, int maxTotalSamples) {
        public static Config defaults() {
            return new Config(2000, 10, 50, 1e-4, false, 42L, 20_000);
        }

        /** Same iteration bound warm and cold. */
        public Config withMaxSteps(int steps) {
            return new Config(maxSamplesPerClass, steps, steps, weightDecay, classBalanced, seed, maxTotalSamples);
        }

        public Config withSteps(int warm, int cold) {
            return new Config(maxSamplesPerClass, warm, cold, weightDecay, classBalanced, seed, maxTotalSamples);
        }

        public Config withMaxSamplesPerClass(int n) {
            return new Config(n, maxSteps, coldSteps, weightDecay, classBalanced, seed, maxTotalSamples);
        }

        public Config withClassBalanced(boolean b) {
            return new Config(maxSamplesPerClass, maxSteps, coldSteps, weightDecay, b, seed, maxTotalSamples);
        }

        public Config withMaxTotalSamples(int n) {
            return new Config(maxSamplesPerClass, maxSteps, coldSteps, weightDecay, classBalanced, seed, n);
        }
    }

    /** The sampled pixels of one image: features (n × C, row-major), label values, per-sample weights. */
    public record Samples(int channels, float[] features, int[] labels, float[] weights) {
        public int size() {
            return labels.length;
        }
    }

    /** What the last {@link #train} call did. */
    public record Stats(int samples, int classes, Lbfgs.Result optimiser, long sampleNanos, long optimiseNanos) {
    }

    /**
     * One image's sampled pixels (≤ N per class, raster order) and, read lazily, their features: only the samples
     * the total cap keeps are ever read, and only those are held (one row of C floats each), so a labelled image
     * costs memory in proportion to what trains on it, not to the N per class it could give.
     */
    private static final class CacheEntry {
        final TrainingImage image;
        final int[] pixels;
        final int[] values;
        final float[][] rows;

        CacheEntry(TrainingImage im, int maxPerClass, long seed) {
            this.image = im;
            int[][] pv = pick(im, maxPerClass, seed);
            this.pixels = pv[0];
            this.values = pv[1];
            this.rows = new float[pixels.length][];
        }

        boolean matches(TrainingImage im) {
            return image.sameData(im);
        }

        /**
         * The samples at {@code keep} (ascending indices into the picked pixels), features read once each (the map
         * is fetched only when a row is missing); rows no longer kept are released.
         */
        Samples samples(int[] keep) {
            int w = image.imageWidth();
            int h = image.imageHeight();
            if (keep.length == 0) {
                return new Samples(0, new float[0], new int[0], new float[0]); // nothing kept: no map fetched
            }
            FeatureMap features = null;
            for (int i : keep) {
                if (rows[i] == null) {
                    features = image.features();
                    break;
                }
            }
            int c = features != null ? features.channels() : rows[keep[0]].length;
            float[] f = new float[keep.length * c];
            int[] l = new int[keep.length];
            float[] wt = new float[keep.length];
            java.util.Arrays.fill(wt, (float) image.weight());
            int next = 0;
            for (int o = 0; o < keep.length; o++) {
                int i = keep[o];
                for (; next < i; next++) {
                    rows[next] = null;
                }
                next = i + 1;
                float[] row = rows[i];
                if (row == null) {
                    row = new float[c];
                    features.sample(pixels[i] % w, pixels[i] / w, w, h, row, 0);
                    rows[i] = row;
                }
                System.arraycopy(row, 0, f, o * c, c);
                l[o] = values[i];
            }
            for (; next < rows.length; next++) {
                rows[next] = null;
            }
            return new Samples(c, f, l, wt);
        }
    }

    private final Config config;
    private final Map<String, CacheEntry> cache = new HashMap<>();
    private LinearHead current;
    private Stats lastStats;

    public WeakLabelHead(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Share of the sampled pixels with weight ≥ {@code minWeight} (1 = human labels only, excluding pseudo-masks)
     * that {@code head} classifies as labelled; NaN when there are none. Uses the samples of the last training,
     * at most about 5,000 of them (evenly strided), so it costs about a millisecond.
     */
    public double sampleAccuracy(LinearHead head, double minWeight) {
        long total = 0;
        for (Samples p : lastParts) {
            for (int i = 0; i < p.size(); i++) {
                total += p.weights()[i] >= minWeight ? 1 : 0;
            }
        }
        int step = (int) Math.max(1, total / 5_000);
        int k = head.numClasses();
        int c = head.channels();
        float[] aff = head.rawAffine();
        int[] values = head.classValues();
        long n = 0;
        long ok = 0;
        long seen = 0;
        for (Samples s : lastParts) {
            for (int i = 0; i < s.size(); i++) {
                if (s.weights()[i] < minWeight || seen++ % step != 0) {
                    continue;
                }
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double z = aff[k * c + j];
                    for (int q = 0; q < c; q++) {
                        z += aff[j * c + q] * s.features()[i * c + q];
                    }
                    if (z > bestScore) {
                        bestScore = z;
                        best = j;
                    }
                }
                n++;
                ok += values[best] == s.labels()[i] ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) ok / n;
    }

    /** The head from the last {@link #train} call (the warm start of the next), or null. */
    public LinearHead current() {
        return current;
    }

    public Stats lastStats() {
        return lastStats;
    }

    /** Forgets the warm start (the next train starts from zero weights); the sample cache stays. */
    public void reset() {
        current = null;
    }

    /** Forgets the warm start and the sample cache (which holds each image's features): the project closed. */
    public void release() {
        current = null;
        cache.clear();
    }

    /**
     * Trains on all labelled pixels of {@code images} (warm-started from the previous head), returns the new head,
     * or null when no image has a labelled pixel.
     */
    public LinearHead train(List<TrainingImage> images) {
        return train(images, config.maxSteps(), () -> { });
    }

    /**
     * As {@link #train(List)} with at most {@code warmSteps} L-BFGS iterations when warm-started (the cold first
     * training still takes {@link Config#coldSteps()}; a class new to the head gets at least
     * {@link Config#maxSteps()}). Calling it again with the same images continues from the head it returned, without
     * re-sampling. {@code checkpoint} runs before every loss evaluation and may throw to abandon the training (the
     * previous head stays the warm start).
     */
    public LinearHead train(List<TrainingImage> images, int warmSteps, Runnable checkpoint) {
        long t0 = System.nanoTime();
        List<CacheEntry> entries = new ArrayList<>(images.size());
        Map<String, CacheEntry> keep = new HashMap<>();
        for (TrainingImage im : images) {
            CacheEntry e = cache.get(im.id());
            if (e == null || !e.matches(im)) {
                e = new CacheEntry(im, config.maxSamplesPerClass(), config.seed());
            }
            keep.put(im.id(), e);
            entries.add(e);
        }
        cache.clear();
        cache.putAll(keep);
        List<int[]> kept = capIndices(entries.stream().map(e -> e.values).toList(), config.maxTotalSamples());
        List<Samples> parts = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            parts.add(entries.get(i).samples(kept.get(i)));
        }
        lastParts = parts;
        long t1 = System.nanoTime();
        LinearHead head = fit(parts, current, config.withSteps(warmSteps, config.coldSteps()), checkpoint);
        long t2 = System.nanoTime();
        if (head != null) {
            current = head;
        }
        lastStats = new Stats(parts.stream().mapToInt(Samples::size).sum(), head == null ? 0 : head.numClasses(),
                lastResult, t1 - t0, t2 - t1);
        return head;
    }

    private List<Samples> lastParts = List.of();

    private Lbfgs.Result lastResult;

    /**
     * Fits on already-sampled pixels (warm-started from the current head), bypassing the per-image sampling; for
     * benchmarks of the optimiser alone. Returns the new head (also the next warm start), or null if no samples.
     */
    public LinearHead fitSamples(List<Samples> parts) {
        long t0 = System.nanoTime();
        LinearHead head = fit(parts, current, config, () -> { });
        if (head != null) {
            current = head;
        }
        lastStats = new Stats(parts.stream().mapToInt(Samples::size).sum(), head == null ? 0 : head.numClasses(),
                lastResult, 0, System.nanoTime() - t0);
        return head;
    }

    /**
     * The indices each part keeps under the total cap: all of them when the parts fit, else the per-(part, class) cap
     * is lowered to the largest m for which Σ min(count, m) ≤ total, and each larger group keeps m samples spread
     * over its (raster) order by {@link #spreadPrefix}; indices ascending.
     */
    static List<int[]> capIndices(List<int[]> labelsOfParts, int total) {
        List<int[]> counts = new ArrayList<>();
        long sum = 0;
        for (int[] labels : labelsOfParts) {
            int[] cnt = new int[256];
            for (int v : labels) {
                cnt[v]++;
            }
            counts.add(cnt);
            sum += labels.length;
        }
        List<int[]> out = new ArrayList<>(labelsOfParts.size());
        if (total <= 0 || sum <= total) {
            for (int[] labels : labelsOfParts) {
                out.add(java.util.stream.IntStream.range(0, labels.length).toArray());
            }
            return out;
        }
        int lo = 1;
        int hi = 1;
        for (int[] cnt : counts) {
            for (int c : cnt) {
                hi = Math.max(hi, c);
            }
        }
        while (lo < hi) { // largest m with Σ min(count, m) ≤ total
            int mid = (lo + hi + 1) >>> 1;
            long t = 0;
            for (int[] cnt : counts) {
                for (int c : cnt) {
                    t += Math.min(c, mid);
                }
            }
            if (t <= total) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int m = lo;
        for (int p = 0; p < labelsOfParts.size(); p++) {
            int[] labels = labelsOfParts.get(p);
            int[] cnt = counts.get(p);
            boolean[][] chosen = new boolean[256][];
            int keep = 0;
            for (int v = 0; v < 256; v++) {
                if (cnt[v] > m) {
                    chosen[v] = spreadPrefix(cnt[v], m);
                }
                keep += Math.min(cnt[v], m);
            }
            int[] idx = new int[keep];
            int[] rank = new int[256];
            int o = 0;
            for (int i = 0; i < labels.length; i++) {
                int v = labels[i];
                int r = rank[v]++;
                if (chosen[v] == null || chosen[v][r]) {
                    idx[o++] = i;
                }
            }
            out.add(idx);
        }
        return out;
    }

    /**
     * The first {@code n} of the ranks 0..count-1 in bit-reversed order (0, count/2, count/4, 3count/4, …): spread
     * over the whole group at every n, and nested (the set for n is inside the set for n + 1), so when more images
     * lower the per-group cap, an image keeps a subset of the samples it had and no feature map is read again.
     */
    public static boolean[] spreadPrefix(int count, int n) {
        boolean[] chosen = new boolean[count];
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, count - 1));
        int taken = 0;
        for (int j = 0; taken < n && j < (1 << bits); j++) {
            int r = bits == 0 ? 0 : Integer.reverse(j) >>> (32 - bits);
            if (r < count) {
                chosen[r] = true;
                taken++;
            }
        }
        return chosen;
    }

    /**
     * Samples at most {@code maxPerClass} labelled pixels of each class of one image, stratified in raster order,
     * and reads their features (bilinear at pixel centres).
     */
    public static Samples sample(TrainingImage im, int maxPerClass, long seed) {
        CacheEntry e = new CacheEntry(im, maxPerClass, seed);
        return e.samples(java.util.stream.IntStream.range(0, e.pixels.length).toArray());
    }

    /** The picked pixels (index y·width + x) and their label values, in raster order. */
    private static int[][] pick(TrainingImage im, int maxPerClass, long seed) {
        LabelMap lm = im.labels();
        byte[] lab = lm.data();
        int[] count = new int[256];
        for (byte b : lab) {
            // most pixels are void: skipping them avoids a chain of increments of the same counter
            if (b != (byte) LabelMap.VOID) {
                count[b & 0xff]++;
            }
        }
        int[][] targets = new int[256][];
        int total = 0;
        for (int v = 0; v < 256; v++) {
            if (count[v] == 0) {
                continue;
            }
            int n = Math.min(count[v], maxPerClass);
            int[] t = new int[n];
            if (n == count[v]) {
                for (int j = 0; j < n; j++) {
                    t[j] = j;
                }
            } else {
                SplittableRandom rnd = new SplittableRandom(seed * 31 + im.id().hashCode() * 131L + v);
                for (int j = 0; j < n; j++) {
                    int lo = (int) ((long) j * count[v] / n);
                    int hi = (int) ((long) (j + 1) * count[v] / n);
                    t[j] = lo + rnd.nextInt(hi - lo);
                }
            }
            targets[v] = t;
            total += n;
        }
        int[] pixels = new int[total];
        int[] labels = new int[total];
        int[] rank = new int[256];
        int[] next = new int[256];
        int out = 0;
        for (int p = 0; p < lab.length && out < total; p++) {
            int v = lab[p] & 0xff;
            if (v == LabelMap.VOID) {
                continue;
            }
            int[] t = targets[v];
            if (next[v] < t.length && t[next[v]] == rank[v]) {
                pixels[out] = p;
                labels[out] = v;
                out++;
                next[v]++;
            }
            rank[v]++;
        }
        return new int[][] {pixels, labels};
    }

    /** Fits a head on the given samples, warm-started from {@code previous} (may be null). Null if no samples. */
    LinearHead fit(List<Samples> parts, LinearHead previous, Config cfg, Runnable checkpoint) {
        int n = 0;
        int c = -1;
        TreeSet<Integer> values = new TreeSet<>();
        for (Samples s : parts) {
            n += s.size();
            if (s.size() > 0) {
                if (c >= 0 && c != s.channels()) {
                    throw new IllegalArgumentException("feature maps differ in channels: " + c + " vs " + s.channels());
                }
                c = s.channels();
            }
            for (int v : s.labels()) {
                values.add(v);
            }
        }
        if (n == 0) {
            lastResult = null;
            return null;
        }
        int steps = cfg.maxSteps();
        if (previous != null && previous.channels() == c) {
            for (int v : values) {
                if (previous.indexOf(v) < 0) {
                    // a class the previous head never saw starts from zero: give it the full warm budget
                    steps = Math.max(steps, config.maxSteps());
                }
            }
            for (int v : previous.classValues()) {
                values.add(v);
            }
        } else {
            previous = null;
        }
        int[] classValues = values.stream().mapToInt(Integer::intValue).toArray();
        int k = classValues.length;
        int[] index = new int[256];
        for (int j = 0; j < k; j++) {
            index[classValues[j]] = j;
        }
        // per-channel statistics, then the standardised samples channel-major (one array per channel), which is the
        // layout the objective's loops run over
        int[] y = new int[n];
        float[] w = new float[n];
        double[] sum = new double[c];
        double[] sq = new double[c];
        int o = 0;
        for (Samples s : parts) {
            float[] f = s.features();
            for (int i = 0; i < s.size(); i++) {
                y[o + i] = index[s.labels()[i]];
                w[o + i] = s.weights()[i];
                int b = i * c;
                for (int j = 0; j < c; j++) {
                    double v = f[b + j];
                    sum[j] += v;
                    sq[j] += v * v;
                }
            }
            o += s.size();
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int j = 0; j < c; j++) {
            double m = sum[j] / n;
            double var = Math.max(0, sq[j] / n - m * m);
            mean[j] = (float) m;
            std[j] = (float) Math.max(Math.sqrt(var), 1e-6);
        }
        float[][] xt = new float[c][n];
        o = 0;
        for (Samples s : parts) {
            float[] f = s.features();
            for (int i = 0; i < s.size(); i++) {
                int b = i * c;
                for (int j = 0; j < c; j++) {
                    xt[j][o + i] = (f[b + j] - mean[j]) / std[j];
                }
            }
            o += s.size();
        }
        // sample weights: optional class balance, then normalise to sum 1
        if (cfg.classBalanced()) {
            double[] cw = new double[k];
            for (int i = 0; i < n; i++) {
                cw[y[i]] += w[i];
            }
            int present = 0;
            for (double v : cw) {
                present += v > 0 ? 1 : 0;
            }
            for (int i = 0; i < n; i++) {
                w[i] = (float) (w[i] / (cw[y[i]] * present));
            }
        }
        double wsum = 0;
        for (float v : w) {
            wsum += v;
        }
        for (int i = 0; i < n; i++) {
            w[i] = (float) (w[i] / wsum);
        }
        // parameters: W (C-major: theta[i*K + j] = weight of channel i for class j), then K biases
        double[] theta = new double[c * k + k];
        if (previous != null) {
            warmStart(previous, mean, std, classValues, theta);
        }
        if (k == 1) {
            lastResult = new Lbfgs.Result(0, 0, 0, 0);
        } else {
            Objective obj = new Objective(xt, y, w, n, c, k, cfg.weightDecay());
            lastResult = new Lbfgs(8).minimize((th, g) -> {
                checkpoint.run();
                return obj.evaluate(th, g);
            }, theta, previous != null ? steps : cfg.coldSteps(), 1e-5);
        }
        float[] weights = new float[k * c];
        float[] bias = new float[k];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < k; j++) {
                weights[j * c + i] = (float) theta[i * k + j];
            }
        }
        for (int j = 0; j < k; j++) {
            bias[j] = (float) theta[c * k + j];
        }
        return new LinearHead(classValues, mean, std, weights, bias);
    }

    /**
     * Re-expresses the previous head in the new standardisation exactly: with x = μ' + σ'u,
     * W(x − μ)/σ + b = (W σ'/σ) u + b + W(μ' − μ)/σ. Classes new to this revision start at zero.
     */
    private static void warmStart(LinearHead prev, float[] mean, float[] std, int[] classValues, double[] theta) {
        int c = mean.length;
        int k = classValues.length;
        for (int pj = 0; pj < prev.numClasses(); pj++) {
            int j = java.util.Arrays.binarySearch(classValues, prev.classValues()[pj]);
            double b = prev.bias()[pj];
            for (int i = 0; i < c; i++) {
                double wOld = prev.weights()[pj * c + i] / prev.std()[i];
                theta[i * k + j] = wOld * std[i];
                b += wOld * (mean[i] - prev.mean()[i]);
            }
            theta[c * k + j] = b;
        }
    }

    /**
     * Weighted softmax cross-entropy + L2. Samples are stored channel-major (one contiguous array per channel) so
     * that the forward pass is C × K axpys over the samples and the backward pass C × K dot products, both loops
     * the JIT vectorises. Samples are split into a fixed number of chunks evaluated in parallel and reduced in chunk
     * order, so the result does not depend on the thread count.
     */
    private static final class Objective implements Lbfgs.Objective {
        private static final int CHUNK = 8192;
        private final float[][] xt;
        private final int[] y;
        private final float[] w;
        private final int n;
        private final int c;
        private final int k;
        private final double decay;
        private final float[][] z;
        private final int chunks;

        Objective(float[][] xt, int[] y, float[] w, int n, int c, int k, double decay) {
            this.y = y;
            this.w = w;
            this.n = n;
            this.c = c;
            this.k = k;
            this.decay = decay;
            this.xt = xt;
            this.z = new float[k][n];
            this.chunks = (n + CHUNK - 1) / CHUNK;
        }

        @Override
        public double evaluate(double[] theta, double[] grad) {
            int ck = c * k;
            float[] wf = new float[ck];
            for (int i = 0; i < ck; i++) {
                wf[i] = (float) theta[i];
            }
            double[][] partLoss = new double[chunks][];
            double[][] partGrad = new double[chunks][];
            java.util.stream.IntStream range = java.util.stream.IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range).forEach(ch -> {
                int lo = ch * CHUNK;
                int hi = Math.min(n, lo + CHUNK);
                double[] g = new double[ck + k];
                partLoss[ch] = new double[] {chunk(theta, wf, lo, hi, g)};
                partGrad[ch] = g;
            });
            double loss = 0;
            java.util.Arrays.fill(grad, 0);
            for (int ch = 0; ch < chunks; ch++) {
                loss += partLoss[ch][0];
                double[] g = partGrad[ch];
                for (int i = 0; i < g.length; i++) {
                    grad[i] += g[i];
                }
            }
            double reg = 0;
            for (int i = 0; i < ck; i++) {
                reg += theta[i] * theta[i];
                grad[i] += decay * theta[i];
            }
            return loss + 0.5 * decay * reg;
        }

        /** Loss of samples [lo, hi); adds their gradient into g (C-major weights, then biases). */
        private double chunk(double[] theta, float[] wf, int lo, int hi, double[] g) {
            int ck = c * k;
            for (int j = 0; j < k; j++) {
                java.util.Arrays.fill(z[j], lo, hi, (float) theta[ck + j]);
            }
            for (int i = 0; i < c; i++) {
                float[] xi = xt[i];
                for (int j = 0; j < k; j++) {
                    float wij = wf[i * k + j];
                    if (wij == 0f) {
                        continue;
                    }
                    float[] zj = z[j];
                    for (int s = lo; s < hi; s++) {
                        zj[s] += wij * xi[s];
                    }
                }
            }
            double loss = 0;
            for (int s = lo; s < hi; s++) {
                float max = z[0][s];
                for (int j = 1; j < k; j++) {
                    max = Math.max(max, z[j][s]);
                }
                int t = y[s];
                float zt = z[t][s] - max;
                float sum = 0;
                for (int j = 0; j < k; j++) {
                    float e = FastExp.exp(z[j][s] - max);
                    z[j][s] = e;
                    sum += e;
                }
                float ws = w[s];
                loss += ws * (Math.log(sum) - zt);
                float inv = ws / sum;
                for (int j = 0; j < k; j++) {
                    z[j][s] *= inv; // d = w (p − onehot)
                }
                z[t][s] -= ws;
            }
            for (int j = 0; j < k; j++) {
                float[] zj = z[j];
                float b0 = 0;
                float b1 = 0;
                float b2 = 0;
                float b3 = 0;
                int s = lo;
                for (; s + 3 < hi; s += 4) {
                    b0 += zj[s];
                    b1 += zj[s + 1];
                    b2 += zj[s + 2];
                    b3 += zj[s + 3];
                }
                for (; s < hi; s++) {
                    b0 += zj[s];
                }
                g[ck + j] += (double) b0 + b1 + b2 + b3;
                for (int i = 0; i < c; i++) {
                    g[i * k + j] += dot(zj, xt[i], lo, hi);
                }
            }
            return loss;
        }

        /** Σ a[s] b[s] over [lo, hi) with 8 independent accumulators (instruction-level parallelism). */
        private static double dot(float[] a, float[] b, int lo, int hi) {
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            int s = lo;
            for (; s + 7 < hi; s += 8) {
                s0 += a[s] * b[s];
                s1 += a[s + 1] * b[s + 1];
                s2 += a[s + 2] * b[s + 2];
                s3 += a[s + 3] * b[s + 3];
                s4 += a[s + 4] * b[s + 4];
                s5 += a[s + 5] * b[s + 5];
                s6 += a[s + 6] * b[s + 6];
                s7 += a[s + 7] * b[s + 7];
            }
            for (; s < hi; s++) {
                s0 += a[s] * b[s];
            }
            return ((double) s0 + s1) + ((double) s2 + s3) + ((double) s4 + s5) + ((double) s6 + s7);
        }
    }
}
