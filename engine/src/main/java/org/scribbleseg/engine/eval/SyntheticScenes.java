package org.scribbleseg.engine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;

/**
 * Deterministic synthetic scenes with exact ground truth, for tests and effort benchmarks. Each of the K classes
 * (label values 0..K-1, 0 = background filling the frame) has its own texture and colour statistics, drawn once
 * from the generator seed: oriented stripes, a rotated checker, sinusoid blobs, dot lattices, or a smooth gradient
 * with strong colour noise; two colours per class, chosen so that some classes have similar mean colours and must
 * be told apart by texture. A scene places random ellipses and polygons of classes 1..K-1 (later ones occlude
 * earlier ones) with a random texture phase per shape, then adds per-scene brightness jitter, Gaussian pixel noise
 * and a light blur. Pure Java: the same seed gives the same pixels everywhere.
 */
public final class SyntheticScenes {

    /** A scene: the image and its exact labels (no void). */
    public record Scene(RgbImage image, LabelMap truth) {
    }

    private static final int TEXTURES = 5;

    private final int numClasses;
    private final long seed;
    private final int[] type;
    private final float[][] colA;
    private final float[][] colB;
    private final float[] angle;
    private final float[] period;

    public SyntheticScenes(int numClasses, long seed) {
        if (numClasses < 2 || numClasses > 20) {
            throw new IllegalArgumentException("numClasses must be 2..20: " + numClasses);
        }
        this.numClasses = numClasses;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        type = new int[numClasses];
        colA = new float[numClasses][3];
        colB = new float[numClasses][3];
        angle = new float[numClasses];
        period = new float[numClasses];
        int shift = r.nextInt(TEXTURES);
        for (int c = 0; c < numClasses; c++) {
            type[c] = (c + shift) % TEXTURES;
            for (int ch = 0; ch < 3; ch++) {
                // class c and c+2 share a mean colour neighbourhood: texture must separate them
                float base = 60 + 130 * (float) r.nextDouble();
                colA[c][ch] = base;
                float delta = (float) (40 + 40 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
                colB[c][ch] = Math.min(255, Math.max(0, base + delta));
            }
            if (c >= 2 && r.nextBoolean()) {
                for (int ch = 0; ch < 3; ch++) {
                    float m = 0.5f * (colA[c - 2][ch] + colB[c - 2][ch]);
                    float half = 0.5f * (colB[c][ch] - colA[c][ch]);
                    colA[c][ch] = m - half;
                    colB[c][ch] = m + half;
                }
            }
            angle[c] = (float) (r.nextDouble() * Math.PI);
            period[c] = 5 + 10 * (float) r.nextDouble();
        }
    }

    public int numClasses() {
        return numClasses;
    }

    /** Scene number {@code index} (independent of the others) at the given size, with 4..9 shapes. */
    public Scene scene(int index, int width, int height) {
        return scene(index, width, height, 0);
    }

    /**
     * Scene number {@code index} with exactly {@code shapeCount} shapes (0 = random 4..9). Few shapes give images
     * with few classes, e.g. for image-level-tag experiments that need negatives.
     */
    public Scene scene(int index, int width, int height, int shapeCount) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index * 7919L + 17);
        byte[] truth = new byte[width * height];
        float[] phase = new float[width * height]; // per-shape texture phase
        float bgPhase = (float) (r.nextDouble() * 100);
        java.util.Arrays.fill(phase, bgPhase);
        int shapes = 4 + r.nextInt(6);
        if (shapeCount > 0) {
            shapes = shapeCount;
        }
        int minSide = Math.min(width, height);
        for (int s = 0; s < shapes; s++) {
            int cls = 1 + r.nextInt(numClasses - 1);
            float ph = (float) (r.nextDouble() * 100);
            double cx = r.nextDouble() * width;
            double cy = r.nextDouble() * height;
            double rad = minSide * (0.08 + 0.22 * r.nextDouble());
            if (r.nextBoolean()) {
                double ax = rad * (0.6 + 0.8 * r.nextDouble());
                double ay = rad * (0.6 + 0.8 * r.nextDouble());
                double th = r.nextDouble() * Math.PI;
                fillEllipse(truth, phase, width, height, cx, cy, ax, ay, th, cls, ph);
            } else {
                int nv = 3 + r.nextInt(5);
                double[] px = new double[nv];
                double[] py = new double[nv];
                double a0 = r.nextDouble() * 2 * Math.PI;
                for (int v = 0; v < nv; v++) {
                    double a = a0 + 2 * Math.PI * v / nv + (r.nextDouble() - 0.5) * (Math.PI / nv);
                    double rr = rad * (0.6 + 0.6 * r.nextDouble());
                    px[v] = cx + rr * Math.cos(a);
                    py[v] = cy + rr * Math.sin(a);
                }
                fillPolygon(truth, phase, width, height, px, py, cls, ph);
            }
        }
        float bright = (float) (0.85 + 0.3 * r.nextDouble());
        float[] img = new float[width * height * 3];
        float[] col = new float[3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                texture(truth[p], x, y, phase[p], r, col);
                for (int ch = 0; ch < 3; ch++) {
                    img[p * 3 + ch] = col[ch] * bright + (float) (r.nextGaussian() * 6);
                }
            }
        }
        byte[] rgb = blur3(img, width, height);
        return new Scene(new RgbImage(width, height, rgb), new LabelMap(width, height, truth));
    }

    /** Scenes first .. first+count-1. */
    public List<Scene> scenes(int first, int count, int width, int height) {
        List<Scene> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(scene(first + i, width, height));
        }
        return out;
    }

    private void texture(int c, int x, int y, float ph, SplittableRandom r, float[] out) {
        double ca = Math.cos(angle[c]);
        double sa = Math.sin(angle[c]);
        double u = x * ca + y * sa + ph;
        double v = -x * sa + y * ca + ph * 0.7;
        double p = period[c];
        double t;
        double noise = 4;
        switch (type[c]) {
            case 0 -> t = 0.5 + 0.5 * Math.sin(2 * Math.PI * u / p); // stripes
            case 1 -> t = ((Math.floorMod((long) Math.floor(u / p), 2) + Math.floorMod((long) Math.floor(v / p), 2)) % 2); // checker
            case 2 -> t = 0.5 + (Math.sin(u / (1.3 * p)) + Math.sin(v / (0.9 * p)) + Math.sin((u + v) / (1.7 * p))) / 6; // blobs
            case 3 -> { // dots
                double du = Math.floorMod((long) Math.floor(u), (long) Math.ceil(p)) - p / 2;
                double dv = Math.floorMod((long) Math.floor(v), (long) Math.ceil(p)) - p / 2;
                t = (du * du + dv * dv) < (p * p / 9) ? 1 : 0;
            }
            default -> { // smooth gradient + strong colour noise
                t = 0.5 + 0.5 * Math.sin(u / (20 * p));
                noise = 22;
            }
        }
        for (int ch = 0; ch < 3; ch++) {
            out[ch] = (float) (colA[c][ch] + t * (colB[c][ch] - colA[c][ch]) + r.nextGaussian() * noise);
        }
    }

    private static void fillEllipse(byte[] truth, float[] phase, int w, int h, double cx, double cy, double ax,
            double ay, double th, int cls, float ph) {
        double r = Math.max(ax, ay);
        double c = Math.cos(th);
        double s = Math.sin(th);
        for (int y = Math.max(0, (int) (cy - r)); y <= Math.min(h - 1, (int) (cy + r)); y++) {
            for (int x = Math.max(0, (int) (cx - r)); x <= Math.min(w - 1, (int) (cx + r)); x++) {
                double dx = x - cx;
                double dy = y - cy;
                double u = (dx * c + dy * s) / ax;
                double v = (-dx * s + dy * c) / ay;
                if (u * u + v * v <= 1) {
                    truth[y * w + x] = (byte) cls;
                    phase[y * w + x] = ph;
                }
            }
        }
    }

    private static void fillPolygon(byte[] truth, float[] phase, int w, int h, double[] px, double[] py, int cls,
            float ph) {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < px.length; i++) {
            minX = Math.min(minX, px[i]);
            maxX = Math.max(maxX, px[i]);
            minY = Math.min(minY, py[i]);
            maxY = Math.max(maxY, py[i]);
        }
        for (int y = Math.max(0, (int) minY); y <= Math.min(h - 1, (int) maxY); y++) {
            for (int x = Math.max(0, (int) minX); x <= Math.min(w - 1, (int) maxX); x++) {
                boolean in = false;
                for (int i = 0, j = px.length - 1; i < px.length; j = i++) {
                    if ((py[i] > y) != (py[j] > y) && x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i]) {
                        in = !in;
                    }
                }
                if (in) {
                    truth[y * w + x] = (byte) cls;
                    phase[y * w + x] = ph;
                }
            }
        }
    }

    /** [1 2 1]/4 separable blur (the camera's softness), clamped to bytes. */
    private static byte[] blur3(float[] img, int w, int h) {
        float[] tmp = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int xl = Math.max(0, x - 1);
                int xr = Math.min(w - 1, x + 1);
                for (int ch = 0; ch < 3; ch++) {
                    tmp[(y * w + x) * 3 + ch] = 0.25f * img[(y * w + xl) * 3 + ch] + 0.5f * img[(y * w + x) * 3 + ch]
                            + 0.25f * img[(y * w + xr) * 3 + ch];
                }
            }
        }
        byte[] out = new byte[img.length];
        for (int y = 0; y < h; y++) {
            int yu = Math.max(0, y - 1);
            int yd = Math.min(h - 1, y + 1);
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float v = 0.25f * tmp[(yu * w + x) * 3 + ch] + 0.5f * tmp[(y * w + x) * 3 + ch]
                            + 0.25f * tmp[(yd * w + x) * 3 + ch];
                    out[(y * w + x) * 3 + ch] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
        }
        return out;
    }
}
