package org.scribbleseg.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.scribbleseg.engine.feature.ClipBackbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ClipTokenizer;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.project.PreLabelSource;
import org.scribbleseg.engine.project.ClassDef;

/**
 * Zero-shot pre-labels from class names (MaskCLIP): MaskCLIP dense patch embeddings of the image, L2-normalised,
 * against L2-normalised text embeddings of "a photo of a {concept}." for every concept of every class; a class's
 * score is the max cosine over its concepts; per pixel softmax(temperature · score) over the classes; the argmax
 * class is kept where its probability ≥ threshold, else void (255).
 *
 * <p>Upsampling choice: the per-class cosine scores (before the softmax) are bilinearly upsampled from the patch grid
 * to the image size with align_corners=false (pixel centre x+0.5 maps to grid coordinate (x+0.5)·gw/W − 0.5, clamped
 * to the grid), then softmax, argmax and threshold are taken per pixel. Interpolating scores rather than labels gives
 * smooth boundaries; at a pixel whose centre coincides with a patch centre the result equals the patch's own label.
 */
public final class ZeroShotLabeler implements AutoCloseable {
    /** Run id of the zero-shot pre-labels in the project store; the live loop trains on them as pseudo-masks. */
    public static final String RUN_ID = PreLabelSource.MASKCLIP_RUN_ID;

    /** The prompt template; {@code %s} is the concept. */
    public static final String PROMPT_TEMPLATE = "a photo of a %s.";
    public static final String BACKGROUND_CONCEPT = "background";

    /** resolution: long side fed to CLIP (multiple of the patch size); temperature: softmax scale; threshold: min confidence. */
    public record Config(int resolution, float temperature, float threshold) {
        public static final Config DEFAULT = new Config(ClipBackbone.DEFAULT_RESOLUTION, 100f, 0.9f);

        public Config {
            if (resolution <= 0 || !(temperature > 0) || !(threshold >= 0)) {
                throw new IllegalArgumentException("bad zero-shot config " + resolution + "/" + temperature + "/" + threshold);
            }
        }
    }

    /**
     * A pseudo-mask: labels (vocIndex of the class, 255 = void), confidence per pixel (max softmax probability ×
     * 255, rounded; unsigned bytes, row-major) and the mean of 1 − max probability over the image.
     */
    public record Result(LabelMap labels, byte[] confidence, double meanUncertainty) {
    }

    private final Config config;
    private final NDManager manager;
    private final ClipModel model;
    private final ClipBackbone backbone;
    private final ClipTokenizer tokenizer;

    private List<ClassDef> classes = List.of();
    private List<String> prompts = List.of();
    /** Per prompt, the class index it belongs to. */
    private int[] promptClass = new int[0];
    /** [prompts][D], L2-normalised. */
    private float[][] textEmbeds = new float[0][];

    public ZeroShotLabeler(Path modelDir) {
        this(modelDir, Config.DEFAULT);
    }

    /** Loads the CLIP model (both towers) and tokenizer from {@code modelDir}. */
    public ZeroShotLabeler(Path modelDir, Config config) {
        this.config = config;
        try {
            this.tokenizer = ClipTokenizer.fromDirectory(modelDir);
        } catch (IOException e) {
            throw new UncheckedIOException("CLIP tokenizer in " + modelDir + ": " + e.getMessage(), e);
        }
        NDManager m = NDManager.newBaseManager();
        try {
            this.model = ClipModel.load(modelDir, m, true);
            this.backbone = new ClipBackbone("clip-zeroshot", model, m, config.resolution());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.manager = m;
    }

    public Config config() {
        return config;
    }

    /** The concepts prompted for a class: its concepts, else its name; background (vocIndex 0) falls back to "background". */
    static List<String> conceptsOf(ClassDef c) {
        List<String> out = new ArrayList<>();
        for (String s : c.concepts()) {
            if (s != null && !s.isBlank()) {
                out.add(s.strip());
            }
        }
        if (out.isEmpty()) {
            out.add(c.vocIndex() == 0 ? BACKGROUND_CONCEPT : c.name().strip());
        }
        return out;
    }

    /** "a photo of a {concept}." */
    public static String prompt(String concept) {
        return String.format(PROMPT_TEMPLATE, concept);
    }

    /** Computes and caches the normalised text embeddings of every concept prompt of every class. */
    public synchronized void setClasses(List<ClassDef> defs) {
        List<String> ps = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int k = 0; k < defs.size(); k++) {
            for (String concept : conceptsOf(defs.get(k))) {
                ps.add(prompt(concept));
                owner.add(k);
            }
        }
        float[][] emb = ps.isEmpty() ? new float[0][] : encodePrompts(ps);
        this.classes = List.copyOf(defs);
        this.prompts = List.copyOf(ps);
        this.promptClass = owner.stream().mapToInt(Integer::intValue).toArray();
        this.textEmbeds = emb;
    }

    /** The prompts of the current classes, in class then concept order. */
    public synchronized List<String> prompts() {
        return prompts;
    }

    public synchronized List<ClassDef> classes() {
        return classes;
    }

    /** Normalised text embeddings [prompts][D] (copies). */
    synchronized float[][] textEmbeddings() {
        float[][] out = new float[textEmbeds.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = textEmbeds[i].clone();
        }
        return out;
    }

    private float[][] encodePrompts(List<String> ps) {
        long[][] ids = tokenizer.tokenize(ps, ClipTokenizer.CONTEXT_LENGTH);
        try (NDManager scope = manager.newSubManager()) {
            NDArray idArr = scope.create(ids);
            NDArray e = Ops.l2normalize(model.encodeText(idArr).textEmbeds());
            int d = (int) e.getShape().get(1);
            float[] flat = e.toFloatArray();
            float[][] out = new float[ps.size()][d];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * d, out[i], 0, d);
            }
            return out;
        }
    }

    /** MaskCLIP dense embeddings [D, h, w] (not normalised) at the configured resolution. */
    FeatureMap denseEmbeddings(RgbImage image) {
        return backbone.features(image);
    }

    /**
     * Per-class scores on the patch grid, [K][h·w] row-major: the max over a class's concepts of the cosine between
     * the L2-normalised patch embedding and the concept's text embedding.
     */
    synchronized float[][] classScores(FeatureMap dense) {
        int k = classes.size();
        int n = dense.height() * dense.width();
        int d = dense.channels();
        if (k > 0 && textEmbeds[0].length != d) {
            throw new IllegalArgumentException("dense embeddings have " + d + " channels, text " + textEmbeds[0].length);
        }
        float[] data = dense.data();
        float[][] scores = new float[k][n];
        for (float[] row : scores) {
            java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY);
        }
        float[] v = new float[d];
        for (int p = 0; p < n; p++) {
            double norm = 0;
            for (int c = 0; c < d; c++) {
                v[c] = data[c * n + p];
                norm += (double) v[c] * v[c];
            }
            float inv = norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 0f;
            maxCosines(v, inv, scores, p);
        }
        return scores;
    }

    /**
     * Per class, the max over its concepts of the cosine between {@code embedding} (any length > 0; normalised
     * here) and the concept's text embedding: how the zero-shot labelers score a patch or a segment token.
     */
    public synchronized float[] classCosines(float[] embedding) {
        if (!classes.isEmpty() && textEmbeds[0].length != embedding.length) {
            throw new IllegalArgumentException("embedding has " + embedding.length + " channels, text " + textEmbeds[0].length);
        }
        double norm = 0;
        for (float f : embedding) {
            norm += (double) f * f;
        }
        float[][] scores = new float[classes.size()][1];
        for (float[] row : scores) {
            row[0] = Float.NEGATIVE_INFINITY;
        }
        maxCosines(embedding, norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 0f, scores, 0);
        float[] out = new float[scores.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = scores[k][0];
        }
        return out;
    }

    /** scores[class][at] = max(scores[class][at], max over the class's prompts of inv · (v · text)). */
    private void maxCosines(float[] v, float inv, float[][] scores, int at) {
        for (int t = 0; t < textEmbeds.length; t++) {
            float[] te = textEmbeds[t];
            double dot = 0;
            for (int c = 0; c < te.length; c++) {
                dot += (double) v[c] * te[c];
            }
            float cos = (float) dot * inv;
            int cls = promptClass[t];
            if (cos > scores[cls][at]) {
                scores[cls][at] = cos;
            }
        }
    }

    /** The pseudo-mask of {@code image}; 255 where the confidence is below the threshold. */
    public LabelMap pseudoMask(RgbImage image) {
        return label(image).labels();
    }

    /** Pseudo-mask with per-pixel confidence. */
    public Result label(RgbImage image) {
        if (classes().isEmpty()) {
            throw new IllegalStateException("setClasses first: no classes to label with");
        }
        FeatureMap dense = denseEmbeddings(image);
        return fromScores(classScores(dense), dense.height(), dense.width(), image.width(), image.height());
    }

    /** Bilinear upsampling (align_corners=false) of the class scores, then softmax(T·s), argmax, threshold. */
    synchronized Result fromScores(float[][] scores, int gh, int gw, int width, int height) {
        int k = scores.length;
        int[] values = new int[k];
        for (int i = 0; i < k; i++) {
            values[i] = classes.get(i).vocIndex();
        }
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        float[] fx = new float[width];
        axis(width, gw, x0, x1, fx);
        int[] y0 = new int[height];
        int[] y1 = new int[height];
        float[] fy = new float[height];
        axis(height, gh, y0, y1, fy);
        byte[] labels = new byte[width * height];
        byte[] conf = new byte[width * height];
        float temp = config.temperature();
        float thr = config.threshold();
        float[] s = new float[k];
        double uncertainty = 0;
        for (int y = 0; y < height; y++) {
            int r0 = y0[y] * gw;
            int r1 = y1[y] * gw;
            float wy = fy[y];
            for (int x = 0; x < width; x++) {
                float wx = fx[x];
                int best = 0;
                for (int c = 0; c < k; c++) {
                    float[] g = scores[c];
                    float top = g[r0 + x0[x]] + wx * (g[r0 + x1[x]] - g[r0 + x0[x]]);
                    float bot = g[r1 + x0[x]] + wx * (g[r1 + x1[x]] - g[r1 + x0[x]]);
                    s[c] = top + wy * (bot - top);
                    if (s[c] > s[best]) {
                        best = c;
                    }
                }
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    sum += Math.exp(temp * (s[c] - s[best]));
                }
                double p = 1.0 / sum;
                int i = y * width + x;
                labels[i] = (byte) (p >= thr ? values[best] : LabelMap.VOID);
                conf[i] = (byte) Math.round(p * 255);
                uncertainty += 1 - p;
            }
        }
        return new Result(new LabelMap(width, height, labels), conf, uncertainty / Math.max(1, width * height));
    }

    /** align_corners=false source taps along one axis: src = (dst + 0.5)·g/size − 0.5, clamped to [0, g−1]. */
    static void axis(int size, int g, int[] i0, int[] i1, float[] f) {
        double scale = (double) g / size;
        for (int i = 0; i < size; i++) {
            double src = Math.max(0, (i + 0.5) * scale - 0.5);
            int a = Math.min((int) Math.floor(src), g - 1);
            int b = Math.min(a + 1, g - 1);
            i0[i] = a;
            i1[i] = b;
            f[i] = (float) (src - a);
            if (a == g - 1) {
                f[i] = 0f;
            }
        }
    }

    @Override
    public void close() {
        backbone.close();
    }
}
