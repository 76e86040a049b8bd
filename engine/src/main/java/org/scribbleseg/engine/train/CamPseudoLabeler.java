package org.scribbleseg.engine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;

/**
 * Image-level tags → pseudo-masks by class activation maps on the frozen features (methods.md §A).
 *
 * <p>Training: per-channel standardisation (mean/std over every grid cell of every tagged image), global average
 * pooling, then a multi-label linear classifier (one logistic output per foreground class) trained with BCE over
 * all tagged images (a class not tagged present on an image is a negative for it), small L2, L-BFGS.
 *
 * <p>Pseudo-mask of an image with present classes P: CAM_k(i, j) = ReLU(w_k · f̂_ij) / max_ij ReLU(w_k · f̂_ij)
 * for k ∈ P (bias excluded, as in CAM); background = (1 − max_k CAM_k)^α; per pixel (scores bilinearly upsampled
 * from the grid, align_corners = false) the label is the argmax over {background} ∪ P, kept where its score
 * exceeds the threshold, else void (255). Use the result as a full (unmasked) label with weight
 * {@link WeakLabelHead#PSEUDO_WEIGHT}.
 *
 * <p>The background class (label value {@code backgroundValue}, VOC 0) is not a CAM class; with
 * {@code backgroundValue < 0} (datasets without a background, e.g. CamVid) there is no background score.
 */
public final class CamPseudoLabeler {

    /** One tagged image: its feature map and the label values tagged present. */
    public record TaggedImage(FeatureMap features, Set<Integer> present) {
    }

    /**
     * @param backgroundValue label value of the background class, or -1 for none
     * @param alpha           background exponent α
     * @param threshold       minimum winning score to keep a pixel
     * @param weightDecay     L2 on the classifier weights
     * @param maxSteps        L-BFGS iterations
     */
    public record Config(int backgroundValue, double alpha, double threshold, double weightDecay, int maxSteps) {
        public static Config defaults() {
            return new Config(0, 1.0, 0.3, 1e-3, 200);
        }
    }

    private final Config config;
    private int[] classValues = new int[0];
    private float[] mean;
    private float[] std;
    private double[] weights; // K × C, then K biases

    public CamPseudoLabeler(Config config) {
        this.config = config;
    }

    /** Foreground class values the classifier knows (sorted). */
    public int[] classValues() {
        return classValues.clone();
    }

    /** Trains the multi-label classifier on all tagged images. */
    public void train(List<TaggedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no tagged images");
        }
        TreeSet<Integer> fg = new TreeSet<>();
        for (TaggedImage t : images) {
            for (int v : t.present()) {
                if (v != config.backgroundValue() && v != LabelMap.VOID) {
                    fg.add(v);
                }
            }
        }
        classValues = fg.stream().mapToInt(Integer::intValue).toArray();
        int c = images.get(0).features().channels();
        double[] sum = new double[c];
        double[] sq = new double[c];
        long cells = 0;
        for (TaggedImage t : images) {
            FeatureMap f = t.features();
            int plane = f.height() * f.width();
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    double v = f.data()[ch * plane + p];
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
            cells += plane;
        }
        mean = new float[c];
        std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / cells;
            mean[ch] = (float) m;
            std[ch] = (float) Math.max(1e-6, Math.sqrt(Math.max(0, sq[ch] / cells - m * m)));
        }
        int n = images.size();
        int k = classValues.length;
        double[] g = new double[n * c]; // pooled standardised features
        double[][] target = new double[n][k];
        for (int i = 0; i < n; i++) {
            FeatureMap f = images.get(i).features();
            int plane = f.height() * f.width();
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int p = 0; p < plane; p++) {
                    s += f.data()[ch * plane + p];
                }
                g[i * c + ch] = (s / plane - mean[ch]) / std[ch];
            }
            for (int j = 0; j < k; j++) {
                target[i][j] = images.get(i).present().contains(classValues[j]) ? 1 : 0;
            }
        }
        weights = new double[k * c + k];
        if (k == 0) {
            return;
        }
        double decay = config.weightDecay();
        Lbfgs.Objective bce = (theta, grad) -> {
            java.util.Arrays.fill(grad, 0);
            double loss = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    double z = theta[k * c + j];
                    for (int ch = 0; ch < c; ch++) {
                        z += theta[j * c + ch] * g[i * c + ch];
                    }
                    double y = target[i][j];
                    // stable BCE with logits: max(z,0) − z y + log(1 + e^−|z|)
                    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
                    double d = (1 / (1 + Math.exp(-z)) - y) / n;
                    for (int ch = 0; ch < c; ch++) {
                        grad[j * c + ch] += d * g[i * c + ch];
                    }
                    grad[k * c + j] += d;
                }
            }
            loss /= n;
            for (int p = 0; p < k * c; p++) {
                loss += 0.5 * decay * theta[p] * theta[p];
                grad[p] += decay * theta[p];
            }
            return loss;
        };
        new Lbfgs(10).minimize(bce, weights, config.maxSteps(), 1e-6);
    }

    /** Normalised CAMs on the grid for the given classes (label values): one plane per class, in [0, 1]. */
    public float[][] cams(FeatureMap f, int[] classes) {
        int c = mean.length;
        int plane = f.height() * f.width();
        float[][] out = new float[classes.length][];
        for (int a = 0; a < classes.length; a++) {
            int j = java.util.Arrays.binarySearch(classValues, classes[a]);
            float[] cam = new float[plane];
            if (j >= 0) {
                for (int ch = 0; ch < c; ch++) {
                    float w = (float) (weights[j * c + ch] / std[ch]);
                    float m = mean[ch];
                    int base = ch * plane;
                    for (int p = 0; p < plane; p++) {
                        cam[p] += w * (f.data()[base + p] - m);
                    }
                }
                float max = 0;
                for (int p = 0; p < plane; p++) {
                    cam[p] = Math.max(0, cam[p]);
                    max = Math.max(max, cam[p]);
                }
                if (max > 0) {
                    for (int p = 0; p < plane; p++) {
                        cam[p] /= max;
                    }
                }
            }
            out[a] = cam;
        }
        return out;
    }

    /** The pseudo-mask of one image (image size imageWidth × imageHeight) tagged with the given present classes. */
    public LabelMap pseudoMask(FeatureMap f, Set<Integer> present, int imageWidth, int imageHeight) {
        List<Integer> fgList = new ArrayList<>();
        for (int v : present) {
            if (v != config.backgroundValue() && v != LabelMap.VOID) {
                fgList.add(v);
            }
        }
        int[] fg = fgList.stream().mapToInt(Integer::intValue).sorted().toArray();
        float[][] cam = cams(f, fg);
        boolean bg = config.backgroundValue() >= 0;
        int gh = f.height();
        int gw = f.width();
        LabelMap out = LabelMap.unlabelled(imageWidth, imageHeight);
        if (fg.length == 0) {
            if (bg && present.contains(config.backgroundValue())) {
                java.util.Arrays.fill(out.data(), (byte) config.backgroundValue());
            }
            return out;
        }
        float[] s = new float[fg.length];
        for (int y = 0; y < imageHeight; y++) {
            double gy = Math.max(0, Math.min(gh - 1, (y + 0.5) * gh / imageHeight - 0.5));
            int y0 = (int) gy;
            int y1 = Math.min(y0 + 1, gh - 1);
            float fy = (float) (gy - y0);
            for (int x = 0; x < imageWidth; x++) {
                double gx = Math.max(0, Math.min(gw - 1, (x + 0.5) * gw / imageWidth - 0.5));
                int x0 = (int) gx;
                int x1 = Math.min(x0 + 1, gw - 1);
                float fx = (float) (gx - x0);
                float max = 0;
                int arg = -1;
                float best = -1;
                for (int a = 0; a < fg.length; a++) {
                    float[] m = cam[a];
                    s[a] = (1 - fy) * ((1 - fx) * m[y0 * gw + x0] + fx * m[y0 * gw + x1])
                            + fy * ((1 - fx) * m[y1 * gw + x0] + fx * m[y1 * gw + x1]);
                    max = Math.max(max, s[a]);
                    if (s[a] > best) {
                        best = s[a];
                        arg = fg[a];
                    }
                }
                if (bg) {
                    float b = (float) Math.pow(1 - max, config.alpha());
                    if (b > best) {
                        best = b;
                        arg = config.backgroundValue();
                    }
                }
                if (best > config.threshold()) {
                    out.set(x, y, arg);
                }
            }
        }
        return out;
    }
}
