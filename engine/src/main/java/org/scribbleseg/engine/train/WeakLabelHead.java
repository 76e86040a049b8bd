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
 * <p>Why not DJL: the problem is tiny (C ≤ 768, K ≤ 20, ≤ ~100k samples) and one full-batch loss+gradient is
 * one fused pass over the samples (forward, softmax, backward, no intermediate tensors); DJL would add a JNI call
 * and NDArray allocation per op plus copies of the sample matrix. The passes are two OpenBLAS GEMMs per block of 256
 * samples held in native memory ({@link NativeGemm}; Java loops where OpenBLAS cannot load), and the
 * standardisation is folded into the weights, so the samples are never copied or standardised per call: an image
 * whose kept samples did not change is not touched again. Measured on the 2-core dev host (20,000 samples, 5
 * classes, per evaluation): 384 channels 20.4 → 5.5 ms, 768 channels 55.7 → 11.9 ms against the earlier
 * channel-major Java loops.
 *
 * <p>Sampling: per (image, class), at most {@link Config#maxSamplesPerClass()} labelled pixels, stratified in raster
 * order (one pixel drawn from each of N equal rank buckets with a seeded generator), so one heavily painted image
 * does not dominate. For the 100 ms loop the total is also bounded ({@link Config#maxTotalSamples()}, default
 * 20,000): the per-group cap is lowered uniformly until the total fits, so every group keeps the same share, and it
 * stays put while the total is within 10 % of the budget (a stroke on one image leaves every other image's samples
 * as they were). Void pixels (255) are never sampled. Samples are cached per (image id, revision): after a
 * stroke only the changed image is re-sampled.
 *
 * <p>Deterministic for a fixed seed and the same sequence of calls (the sticky cap and the warm start carry over
 * from one call to the next). Not thread-safe: one trainer per interactive worker.
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
        /** The last {@link #samples} call's kept indices and result: the same set gives the same Samples object. */
        private int[] lastKeep;
        private Samples last;

        CacheEntry(TrainingImage im, int maxPerClass, long seed) {
            this.image = im;
            int[][] pv = pick(im, maxPerClass, seed);
            this.pixels = pv[0];
            this.values = pv[1];
            this.rows = new float[pixels.length][];
        }

        private int[] counts;
        private int idxCap = -1;
        private int[] idx;

        /** Picked pixels per label value (256 counts), made once. */
        int[] counts() {
            if (counts == null) {
                counts = countsOf(values);
            }
            return counts;
        }

        /** {@link WeakLabelHead#indicesAt} for this entry, remembered for the last cap. */
        int[] indicesAt(int cap) {
            if (cap != idxCap) {
                idx = indicesOf(values, counts(), cap);
                idxCap = cap;
            }
            return idx;
        }

        boolean matches(TrainingImage im) {
            return image.sameData(im);
        }

        /**
         * The samples at {@code keep} (ascending indices into the picked pixels), features read once each (the map
         * is fetched only when a row is missing); rows no longer kept are released.
         */
        Samples samples(int[] keep) {
            if (last != null && java.util.Arrays.equals(keep, lastKeep)) {
                return last; // nothing copied, and the fit finds its channel sums by identity
            }
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
            lastKeep = keep;
            last = new Samples(c, f, l, wt);
            return last;
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
        prepared.values().forEach(Prepared::close);
        prepared = new java.util.IdentityHashMap<>();
        lastCap = 0;
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
        return train(images, warmSteps, Integer.MAX_VALUE, checkpoint);
    }

    /**
     * As {@link #train(List, int, Runnable)}, a warm-started fit also stopping after {@code maxEvaluations} loss
     * evaluations (the optimiser's {@link Lbfgs.Result#limited()} then says so): for a first answer in bounded
     * time, since each backtracking step of a line search costs one more evaluation. A cold fit, or one where a
     * class is new to the head, is not capped.
     */
    public LinearHead train(List<TrainingImage> images, int warmSteps, int maxEvaluations, Runnable checkpoint) {
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
        int cap = stickyCapOfCounts(entries.stream().map(CacheEntry::counts).toList(), config.maxTotalSamples(), lastCap);
        lastCap = cap;
        List<int[]> kept = entries.stream().map(e -> e.indicesAt(cap)).toList();
        List<Samples> parts = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            parts.add(entries.get(i).samples(kept.get(i)));
        }
        lastParts = parts;
        long t1 = System.nanoTime();
        LinearHead head = fit(parts, current, config.withSteps(warmSteps, config.coldSteps()), maxEvaluations, checkpoint);
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
        LinearHead head = fit(parts, current, config, Integer.MAX_VALUE, () -> { });
        if (head != null) {
            current = head;
        }
        lastStats = new Stats(parts.stream().mapToInt(Samples::size).sum(), head == null ? 0 : head.numClasses(),
                lastResult, 0, System.nanoTime() - t0);
        return head;
    }

    /** The per-(part, class) cap of the last {@link #train} call (0 = none): kept while the total stays near the budget. */
    private int lastCap;

    /**
     * The indices each part keeps under the total cap: all of them when the parts fit, else the per-(part, class) cap
     * is lowered to the largest m for which Σ min(count, m) ≤ total, and each larger group keeps m samples spread
     * over its (raster) order by {@link #spreadPrefix}; indices ascending.
     */
    static List<int[]> capIndices(List<int[]> labelsOfParts, int total) {
        return indicesAt(labelsOfParts, stickyCap(labelsOfParts, total, 0));
    }

    /**
     * The per-(part, class) cap for a total budget: 0 (none) when everything fits; {@code previous} while it keeps
     * the total within ±10 % of the budget, so that a stroke on one image does not move the cap and with it the
     * kept samples (and prepared blocks) of every other image; else the largest m with Σ min(count, m) ≤ total.
     */
    static int stickyCap(List<int[]> labelsOfParts, int total, int previous) {
        return stickyCapOfCounts(labelsOfParts.stream().map(WeakLabelHead::countsOf).toList(), total, previous);
    }

    private static int[] countsOf(int[] labels) {
        int[] cnt = new int[256];
        for (int v : labels) {
            cnt[v]++;
        }
        return cnt;
    }

    /** {@link #stickyCap} from each part's counts per label value. */
    private static int stickyCapOfCounts(List<int[]> counts, int total, int previous) {
        long sum = 0;
        for (int[] cnt : counts) {
            for (int c : cnt) {
                sum += c;
            }
        }
        if (total <= 0 || sum <= total) {
            return 0;
        }
        if (previous > 0) {
            long t = 0;
            for (int[] cnt : counts) {
                for (int c : cnt) {
                    t += Math.min(c, previous);
                }
            }
            if (t * 10 <= total * 11L && t * 10 >= total * 9L) {
                return previous;
            }
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
        return lo;
    }

    /** The indices each part keeps at per-(part, class) cap m (0: all), spread by {@link #spreadPrefix}; ascending. */
    static List<int[]> indicesAt(List<int[]> labelsOfParts, int m) {
        return labelsOfParts.stream().map(l -> indicesOf(l, countsOf(l), m)).toList();
    }

    /**
     * At most {@code perClass} (≥ 1) samples of each class of {@code s}, chosen as the total cap chooses them
     * (spread over each class's samples by {@link #spreadPrefix}, order kept); {@code s} itself when it fits.
     */
    public static Samples limitPerClass(Samples s, int perClass) {
        if (perClass < 1) {
            throw new IllegalArgumentException("perClass must be >= 1: " + perClass);
        }
        int[] keep = indicesOf(s.labels(), countsOf(s.labels()), perClass);
        if (keep.length == s.size()) {
            return s;
        }
        int c = s.channels();
        float[] f = new float[keep.length * c];
        int[] l = new int[keep.length];
        float[] w = new float[keep.length];
        for (int o = 0; o < keep.length; o++) {
            int i = keep[o];
            System.arraycopy(s.features(), i * c, f, o * c, c);
            l[o] = s.labels()[i];
            w[o] = s.weights()[i];
        }
        return new Samples(c, f, l, w);
    }

    private static int[] indicesOf(int[] labels, int[] cnt, int m) {
        if (m <= 0) {
            return java.util.stream.IntStream.range(0, labels.length).toArray();
        }
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
        return idx;
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
        int len = lab.length;
        // most pixels are void: skipped eight at a time
        for (int p = LabelMap.nextLabelled(lab, 0, len); p < len; p = LabelMap.nextLabelled(lab, p + 1, len)) {
            count[lab[p] & 0xff]++;
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
        for (int p = LabelMap.nextLabelled(lab, 0, len); p < len && out < total; p = LabelMap.nextLabelled(lab, p + 1, len)) {
            int v = lab[p] & 0xff;
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
    LinearHead fit(List<Samples> parts, LinearHead previous, Config cfg, int maxEvaluations, Runnable checkpoint) {
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
        int evaluations = maxEvaluations;
        if (previous != null && previous.channels() == c) {
            for (int v : values) {
                if (previous.indexOf(v) < 0) {
                    // a class the previous head never saw starts from zero: give it the full warm budget
                    steps = Math.max(steps, config.maxSteps());
                    evaluations = Integer.MAX_VALUE;
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
        // per-channel statistics from each part's prepared blocks (a part reused from the last call is not read
        // again): the objective folds the standardisation into the weights instead of standardising the samples
        List<Samples> used = new ArrayList<>();
        List<Prepared> prep = new ArrayList<>();
        double[] sum = new double[c];
        double[] sq = new double[c];
        Map<Samples, Prepared> nextPrepared = new java.util.IdentityHashMap<>();
        for (Samples s : parts) {
            if (s.size() == 0) {
                continue;
            }
            used.add(s);
            Prepared pr = prepared.get(s);
            if (pr == null) {
                pr = Prepared.of(s);
            }
            prep.add(pr);
            nextPrepared.put(s, pr);
            for (int j = 0; j < c; j++) {
                sum[j] += pr.sum[j];
                sq[j] += pr.sq[j];
            }
        }
        for (Map.Entry<Samples, Prepared> e : prepared.entrySet()) {
            if (!nextPrepared.containsKey(e.getKey())) {
                e.getValue().close(); // its image changed or left: the native copy goes now, not at some GC
            }
        }
        prepared = nextPrepared;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int j = 0; j < c; j++) {
            double m = sum[j] / n;
            double var = Math.max(0, sq[j] / n - m * m);
            mean[j] = (float) m;
            std[j] = (float) Math.max(Math.sqrt(var), 1e-6);
        }
        int[][] y = new int[used.size()][];
        float[][] w = new float[used.size()][];
        for (int p = 0; p < used.size(); p++) {
            Samples s = used.get(p);
            y[p] = new int[s.size()];
            w[p] = s.weights().clone();
            for (int i = 0; i < s.size(); i++) {
                y[p][i] = index[s.labels()[i]];
            }
        }
        // sample weights: optional class balance, then normalise to sum 1
        if (cfg.classBalanced()) {
            double[] cw = new double[k];
            for (int p = 0; p < y.length; p++) {
                for (int i = 0; i < y[p].length; i++) {
                    cw[y[p][i]] += w[p][i];
                }
            }
            int present = 0;
            for (double v : cw) {
                present += v > 0 ? 1 : 0;
            }
            for (int p = 0; p < y.length; p++) {
                for (int i = 0; i < y[p].length; i++) {
                    w[p][i] = (float) (w[p][i] / (cw[y[p][i]] * present));
                }
            }
        }
        double wsum = 0;
        for (float[] wp : w) {
            for (float v : wp) {
                wsum += v;
            }
        }
        for (float[] wp : w) {
            for (int i = 0; i < wp.length; i++) {
                wp[i] = (float) (wp[i] / wsum);
            }
        }
        // parameters: W (C-major: theta[i*K + j] = weight of channel i for class j), then K biases
        double[] theta = new double[c * k + k];
        if (previous != null) {
            warmStart(previous, mean, std, classValues, theta);
        }
        if (k == 1) {
            lastResult = new Lbfgs.Result(0, 0, 0, 0, false);
        } else {
            try (Objective obj = new Objective(prep, y, w, mean, std, k, cfg.weightDecay())) {
                lastResult = new Lbfgs(8).minimize((th, g) -> {
                    checkpoint.run();
                    return obj.evaluate(th, g);
                }, theta, previous != null ? steps : cfg.coldSteps(), previous != null ? evaluations : Integer.MAX_VALUE, 1e-5);
            }
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

    /** The parts of the last fit, prepared for the objective, by identity (an unchanged part is not copied again). */
    private Map<Samples, Prepared> prepared = new java.util.IdentityHashMap<>();

    /**
     * One part's samples as the objective reads them: per-channel Σx and Σx² (double), and the samples in blocks of
     * at most {@link #BLOCK}, each centred on its own channel means ({@code ref}, double) and held twice, sample-major
     * (rows of C) and channel-major (columns of the block's samples), so that both passes of the objective are
     * unit-stride axpys the JIT vectorises and no dot product (a reduction it does not vectorise) is needed.
     * Centring keeps the float sums accurate when features sit far from zero. Where OpenBLAS can be used
     * ({@link NativeGemm}), each block is instead held once, sample-major in native memory, and both passes are
     * GEMMs (about 6x faster than the Java loops at 384 channels); {@link #close} frees it.
     */
    static final class Prepared implements AutoCloseable {
        static final int BLOCK = 256;
        final double[] sum;
        final double[] sq;
        final int[] from;
        final int[] size;
        final double[][] ref;
        final float[][] rows;
        final float[][] cols;
        final org.bytedeco.javacpp.FloatPointer[] nativeRows;

        private Prepared(double[] sum, double[] sq, int[] from, int[] size, double[][] ref, float[][] rows,
                float[][] cols, org.bytedeco.javacpp.FloatPointer[] nativeRows) {
            this.sum = sum;
            this.sq = sq;
            this.from = from;
            this.size = size;
            this.ref = ref;
            this.rows = rows;
            this.cols = cols;
            this.nativeRows = nativeRows;
        }

        boolean isNative() {
            return nativeRows != null;
        }

        @Override
        public void close() {
            if (nativeRows != null) {
                for (org.bytedeco.javacpp.FloatPointer fp : nativeRows) {
                    fp.close();
                }
            }
        }

        static Prepared of(Samples s) {
            return of(s, NativeGemm.available());
        }

        static Prepared of(Samples s, boolean useNative) {
            int c = s.channels();
            int n = s.size();
            float[] f = s.features();
            double[] sum = new double[c];
            double[] sq = new double[c];
            int blocks = (n + BLOCK - 1) / BLOCK;
            int[] from = new int[blocks];
            int[] size = new int[blocks];
            double[][] ref = new double[blocks][];
            float[][] rows = useNative ? null : new float[blocks][];
            float[][] cols = useNative ? null : new float[blocks][];
            org.bytedeco.javacpp.FloatPointer[] nat = useNative ? new org.bytedeco.javacpp.FloatPointer[blocks] : null;
            for (int b = 0; b < blocks; b++) {
                int lo = b * BLOCK;
                int m = Math.min(BLOCK, n - lo);
                from[b] = lo;
                size[b] = m;
                double[] r = new double[c];
                for (int i = 0; i < m; i++) {
                    int o = (lo + i) * c;
                    for (int j = 0; j < c; j++) {
                        double v = f[o + j];
                        r[j] += v;
                        sq[j] += v * v;
                    }
                }
                for (int j = 0; j < c; j++) {
                    sum[j] += r[j];
                    r[j] /= m;
                }
                float[] rw = new float[m * c];
                float[] cl = useNative ? null : new float[c * m];
                for (int i = 0; i < m; i++) {
                    int o = (lo + i) * c;
                    for (int j = 0; j < c; j++) {
                        float d = (float) (f[o + j] - r[j]);
                        rw[i * c + j] = d;
                        if (cl != null) {
                            cl[j * m + i] = d;
                        }
                    }
                }
                ref[b] = r;
                if (useNative) {
                    nat[b] = new org.bytedeco.javacpp.FloatPointer(rw);
                } else {
                    rows[b] = rw;
                    cols[b] = cl;
                }
            }
            return new Prepared(sum, sq, from, size, ref, rows, cols, nat);
        }
    }

    /**
     * The training loss and its gradient at {@code theta} (C-major weights in the standardised space, then biases),
     * as {@link #train} minimises it; for tests against the textbook formula.
     */
    static double objective(List<Samples> parts, int[][] classIndex, float[][] weights, float[] mean, float[] std,
            int k, double decay, double[] theta, double[] grad, boolean useNative) {
        List<Prepared> prep = parts.stream().map(p -> Prepared.of(p, useNative)).toList();
        try {
            try (Objective obj = new Objective(prep, classIndex, weights, mean, std, k, decay)) {
                return obj.evaluate(theta, grad);
            }
        } finally {
            prep.forEach(Prepared::close);
        }
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
     * Weighted softmax cross-entropy + L2 over the prepared samples (nothing is copied or standardised per call):
     * with V = W/σ (per channel) and c = b − Vμ, the logits of the standardised head are V x + c, and
     * ∂L/∂W_ij = (Σ_s d_sj x_si − μ_i Σ_s d_sj)/σ_i. Per block of samples x = ref + δ: the logits are
     * (c + V·ref, double, once per block) + Σ_i V_i δ_i, C × K axpys over the block's channel-major columns; the
     * gradient Σ_s d_s δ_s is K axpys of each sample-major row into a float accumulator (in L1), flushed into
     * doubles per block, plus ref Σ_s d_s. Blocks are evaluated in fixed groups in parallel and reduced in group
     * order, so the result does not depend on the thread count.
     */
    private static final class Objective implements Lbfgs.Objective, AutoCloseable {
        /** Samples per parallel task (whole blocks). */
        private static final int TASK = 1024;
        private final List<Prepared> parts;
        private final int[][] y;
        private final float[][] w;
        private final float[] mean;
        private final float[] std;
        private final int c;
        private final int k;
        private final double decay;
        private final int[][] tasks; // per task: (part, block) pairs, flattened

        Objective(List<Prepared> parts, int[][] y, float[][] w, float[] mean, float[] std, int k, double decay) {
            this.parts = parts;
            this.y = y;
            this.w = w;
            this.mean = mean;
            this.std = std;
            this.c = mean.length;
            this.k = k;
            this.decay = decay;
            // (part, block) pairs in plain int arrays: a list of boxed Integers here took the JIT 190 ms to compile
            // (on-stack replacement), on a compiler thread that shares the cores with the strokes
            int pairs = 0;
            for (Prepared part : parts) {
                pairs += part.size.length;
            }
            List<int[]> out = new ArrayList<>();
            int[] cur = new int[2 * pairs];
            int used = 0;
            int filled = 0;
            for (int p = 0; p < parts.size(); p++) {
                int[] sizes = parts.get(p).size;
                for (int b = 0; b < sizes.length; b++) {
                    cur[used++] = p;
                    cur[used++] = b;
                    filled += sizes[b];
                    if (filled >= TASK) {
                        out.add(java.util.Arrays.copyOf(cur, used));
                        used = 0;
                        filled = 0;
                    }
                }
            }
            if (used > 0) {
                out.add(java.util.Arrays.copyOf(cur, used));
            }
            this.tasks = out.toArray(new int[0][]);
            this.scratch = new org.bytedeco.javacpp.FloatPointer[tasks.length][];
            int ck = c * k;
            this.v = new double[ck];
            this.vf = new float[ck];
            this.cb = new double[k];
            this.sum = new double[ck + k];
            this.partLoss = new double[tasks.length];
            this.taskGrad = new double[tasks.length][];
            this.taskZ = new float[tasks.length][];
            this.taskAcc = new float[tasks.length][];
        }

        /*
         * What an evaluation writes, made once per objective (a fit evaluates it ten to twenty times; made per
         * evaluation they were about 1 MB of garbage each at 768 channels): V in double and in float, the biases, the
         * reduced gradient, and per task its gradient, logits and float accumulator (made at the task's first
         * evaluation). Evaluations of one objective do not overlap, and each task index runs on one thread at a time.
         */
        private final double[] v;
        private final float[] vf;
        private final double[] cb;
        private final double[] sum;
        private final double[] partLoss;
        private final double[][] taskGrad;
        private final float[][] taskZ;
        private final float[][] taskAcc;

        /**
         * Per task, its native V, Z and G buffers, made at its first evaluation and kept until {@link #close}: a
         * JavaCPP allocation checks the process's memory, which costs more than a block's GEMMs.
         */
        private final org.bytedeco.javacpp.FloatPointer[][] scratch;

        private org.bytedeco.javacpp.FloatPointer[] scratch(int task) {
            org.bytedeco.javacpp.FloatPointer[] sc = scratch[task];
            if (sc == null) { // each task index runs on one thread at a time
                sc = new org.bytedeco.javacpp.FloatPointer[] {new org.bytedeco.javacpp.FloatPointer((long) c * k),
                        new org.bytedeco.javacpp.FloatPointer((long) k * Prepared.BLOCK),
                        new org.bytedeco.javacpp.FloatPointer((long) c * k)};
                scratch[task] = sc;
            }
            return sc;
        }

        @Override
        public void close() {
            for (org.bytedeco.javacpp.FloatPointer[] sc : scratch) {
                if (sc != null) {
                    for (org.bytedeco.javacpp.FloatPointer fp : sc) {
                        fp.close();
                    }
                }
            }
        }

        @Override
        public double evaluate(double[] theta, double[] grad) {
            int ck = c * k;
            boolean gemm = parts.get(0).isNative(); // every part is prepared the same way
            // class-major V = W/σ, and V in float as the path reads it: class-major for the GEMM, channel-major for
            // the forward axpys
            for (int j = 0; j < k; j++) {
                double b = theta[ck + j];
                for (int i = 0; i < c; i++) {
                    double vij = theta[i * k + j] / std[i];
                    v[j * c + i] = vij;
                    vf[gemm ? j * c + i : i * k + j] = (float) vij;
                    b -= vij * mean[i];
                }
                cb[j] = b;
            }
            int nt = tasks.length;
            java.util.stream.IntStream range = java.util.stream.IntStream.range(0, nt);
            (nt > 1 ? range.parallel() : range).forEach(t -> {
                double[] g = taskGrad[t];
                if (g == null) {
                    g = taskGrad[t] = new double[ck + k];
                    taskZ[t] = new float[k * Prepared.BLOCK];
                    taskAcc[t] = new float[ck];
                } else {
                    java.util.Arrays.fill(g, 0.0);
                    java.util.Arrays.fill(taskAcc[t], 0f); // zero after every block, unless a block was cut short
                }
                float[] z = taskZ[t];
                float[] acc = taskAcc[t];
                double loss = 0;
                int[] pb = tasks[t];
                if (gemm) {
                    org.bytedeco.javacpp.FloatPointer[] sc = scratch(t);
                    sc[0].put(vf);
                    for (int q = 0; q < pb.length; q += 2) {
                        loss += blockNative(pb[q], pb[q + 1], v, cb, sc[0], sc[1], sc[2], z, acc, g);
                    }
                } else {
                    for (int q = 0; q < pb.length; q += 2) {
                        loss += block(pb[q], pb[q + 1], v, vf, cb, z, acc, g);
                    }
                }
                partLoss[t] = loss;
            });
            double loss = 0;
            double[] r = sum;
            java.util.Arrays.fill(r, 0.0);
            for (int t = 0; t < nt; t++) {
                loss += partLoss[t];
                double[] g = taskGrad[t];
                for (int i = 0; i < g.length; i++) {
                    r[i] += g[i];
                }
            }
            double reg = 0;
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < k; j++) {
                    double th = theta[i * k + j];
                    grad[i * k + j] = (r[j * c + i] - mean[i] * r[ck + j]) / std[i] + decay * th;
                    reg += th * th;
                }
            }
            for (int j = 0; j < k; j++) {
                grad[ck + j] = r[ck + j];
            }
            return loss + 0.5 * decay * reg;
        }

        /**
         * As {@link #block} with both passes as GEMMs on the block's native rows: Z (m×K) = δ Vᵀ, then
         * G (K×C) = Dᵀ δ. z and gt are scratch of K·BLOCK and K·C floats.
         */
        private double blockNative(int p, int b, double[] v, double[] cb, org.bytedeco.javacpp.FloatPointer vN,
                org.bytedeco.javacpp.FloatPointer zN, org.bytedeco.javacpp.FloatPointer gN, float[] z, float[] gt,
                double[] g) {
            Prepared pr = parts.get(p);
            int m = pr.size[b];
            int from = pr.from[b];
            double[] ref = pr.ref[b];
            org.bytedeco.javacpp.FloatPointer rows = pr.nativeRows[b];
            int ck = c * k;
            NativeGemm.sgemm(false, true, m, k, c, 1f, rows, c, vN, c, 0f, zN, k);
            zN.get(z, 0, m * k);
            double[] base = base(v, cb, ref);
            double[] db = new double[k];
            double loss = softmax(z, m, 1, k, base, y[p], w[p], from, db);
            zN.put(z, 0, m * k);
            NativeGemm.sgemm(true, false, k, c, m, 1f, zN, k, rows, c, 0f, gN, c);
            gN.get(gt, 0, ck);
            for (int j = 0; j < k; j++) {
                int o = j * c;
                for (int i = 0; i < c; i++) {
                    g[o + i] += gt[o + i] + ref[i] * db[j];
                }
                g[ck + j] += db[j];
            }
            return loss;
        }

        /** The logits' part that is the same for every sample of a block centred on ref: c + V·ref. */
        private double[] base(double[] v, double[] cb, double[] ref) {
            double[] base = new double[k];
            for (int j = 0; j < k; j++) {
                double bj = cb[j];
                int o = j * c;
                for (int i = 0; i < c; i++) {
                    bj += v[o + i] * ref[i];
                }
                base[j] = bj;
            }
            return base;
        }

        /**
         * In place over the logits of m samples (sample s, class j at s·sStride + j·jStride, plus base[j]): the
         * weighted cross-entropy of the samples [from, from + m) of their part, and d = w (p − onehot) written back;
         * adds Σ_s d_s into db.
         */
        private double softmax(float[] z, int m, int jStride, int sStride, double[] base, int[] yp, float[] wp,
                int from, double[] db) {
            float[] bf = new float[k];
            for (int j = 0; j < k; j++) {
                bf[j] = (float) base[j];
            }
            double loss = 0;
            for (int s = 0; s < m; s++) {
                int o = s * sStride;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    float zj = z[o + j * jStride] + bf[j];
                    z[o + j * jStride] = zj;
                    max = Math.max(max, zj);
                }
                int t = yp[from + s];
                float zt = z[o + t * jStride] - max;
                float sum = 0;
                for (int j = 0; j < k; j++) {
                    float e = FastExp.exp(z[o + j * jStride] - max);
                    z[o + j * jStride] = e;
                    sum += e;
                }
                float ws = wp[from + s];
                loss += ws * (Math.log(sum) - zt);
                float inv = ws / sum;
                for (int j = 0; j < k; j++) {
                    float d = z[o + j * jStride] * inv - (j == t ? ws : 0f);
                    z[o + j * jStride] = d;
                    db[j] += d;
                }
            }
            return loss;
        }

        /** Loss of one block; adds its Σ d x (class-major) and Σ d into g. z and acc are scratch. */
        private double block(int p, int b, double[] v, float[] vf, double[] cb, float[] z, float[] acc, double[] g) {
            Prepared pr = parts.get(p);
            int m = pr.size[b];
            int from = pr.from[b];
            double[] ref = pr.ref[b];
            float[] cols = pr.cols[b];
            float[] rows = pr.rows[b];
            int ck = c * k;
            // forward: z_j = (c_j + V_j·ref) + Σ_i V_ij δ_i
            double[] base = base(v, cb, ref);
            java.util.Arrays.fill(z, 0, k * m, 0f);
            for (int i = 0; i < c; i++) {
                int ci = i * m;
                for (int j = 0; j < k; j++) {
                    float vij = vf[i * k + j];
                    int zj = j * m;
                    for (int s = 0; s < m; s++) {
                        z[zj + s] += vij * cols[ci + s];
                    }
                }
            }
            double[] db = new double[k];
            double loss = softmax(z, m, m, 1, base, y[p], w[p], from, db);
            // backward: K axpys of each row
            for (int s = 0; s < m; s++) {
                int row = s * c;
                for (int j = 0; j < k; j++) {
                    float d = z[j * m + s];
                    if (d != 0f) {
                        int o = j * c;
                        for (int i = 0; i < c; i++) {
                            acc[o + i] += d * rows[row + i];
                        }
                    }
                }
            }
            for (int j = 0; j < k; j++) {
                int o = j * c;
                for (int i = 0; i < c; i++) {
                    g[o + i] += acc[o + i] + ref[i] * db[j];
                    acc[o + i] = 0f;
                }
                g[ck + j] += db[j];
            }
            return loss;
        }
    }
}
