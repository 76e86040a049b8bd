package org.scribbleseg.engine.semivl;

import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * UniMatch's data pipeline (SemiVL spec §5, §8) on float images: {@code [3][h][w]} channel-major, 0..1. Every
 * random draw comes from a {@link SeededRandom}, so a resumed run draws what an uninterrupted one would.
 */
public final class Augment {
    /** Mask value of padded pixels in an unlabelled crop (UniMatch: 254; labelled crops pad with 255). */
    public static final int PAD_UNLABELLED = 254;
    public static final int IGNORE = 255;

    private Augment() {
    }

    /** An image (0..1, channel-major) with its label mask (class indices, 255 void, 254 padding). */
    public record View(int w, int h, float[] rgb, int[] mask) {
        public View copy() {
            return new View(w, h, rgb.clone(), mask.clone());
        }
    }

    /** RGB bytes to 0..1 channel-major floats. */
    public static float[] toFloat(RgbImage img) {
        int n = img.width() * img.height();
        float[] out = new float[3 * n];
        byte[] px = img.rgb();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * n + i] = (px[i * 3 + c] & 0xff) / 255f;
            }
        }
        return out;
    }

    /**
     * mmseg's {@code Resize(img_scale=(4·crop, crop), ratio_range=(0.5, 2.0))}: r ~ U[0.5, 2), factor f =
     * min(int(4·crop·r) / long side, int(crop·r) / short side), new size int(w·f + 0.5) × int(h·f + 0.5); bilinear
     * for the image, nearest for the mask.
     */
    public static View randomResize(View v, int crop, SeededRandom rng) {
        double r = 0.5 + rng.nextDouble() * 1.5;
        int longT = (int) (4 * crop * r);
        int shortT = (int) (crop * r);
        double f = Math.min((double) longT / Math.max(v.w, v.h), (double) shortT / Math.min(v.w, v.h));
        return resize(v, Math.max(1, (int) (v.w * f + 0.5)), Math.max(1, (int) (v.h * f + 0.5)));
    }

    /** Bilinear (half-pixel centres, as cv2) image, nearest mask. */
    public static View resize(View v, int nw, int nh) {
        float[] out = resizeRgb(v.rgb, v.w, v.h, nw, nh);
        int[] mask = new int[nw * nh];
        for (int y = 0; y < nh; y++) {
            int sy = Math.min(v.h - 1, (int) Math.floor(y * (double) v.h / nh));
            for (int x = 0; x < nw; x++) {
                int sx = Math.min(v.w - 1, (int) Math.floor(x * (double) v.w / nw));
                mask[y * nw + x] = v.mask[sy * v.w + sx];
            }
        }
        return new View(nw, nh, out, mask);
    }

    static float[] resizeRgb(float[] rgb, int w, int h, int nw, int nh) {
        float[] out = new float[3 * nw * nh];
        for (int y = 0; y < nh; y++) {
            double sy = Math.max(0, (y + 0.5) * h / nh - 0.5);
            int y0 = Math.min((int) sy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            float fy = (float) (sy - y0);
            for (int x = 0; x < nw; x++) {
                double sx = Math.max(0, (x + 0.5) * w / nw - 0.5);
                int x0 = Math.min((int) sx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                float fx = (float) (sx - x0);
                for (int c = 0; c < 3; c++) {
                    int o = c * w * h;
                    float top = rgb[o + y0 * w + x0] * (1 - fx) + rgb[o + y0 * w + x1] * fx;
                    float bot = rgb[o + y1 * w + x0] * (1 - fx) + rgb[o + y1 * w + x1] * fx;
                    out[c * nw * nh + y * nw + x] = top * (1 - fy) + bot * fy;
                }
            }
        }
        return out;
    }

    /**
     * Pads right/bottom to at least crop × crop (image 0, mask {@code padValue}), then a uniform random crop and a
     * horizontal flip with p = 0.5. Returns the crop; {@code box} (if not null) receives x0, y0, flipped.
     */
    public static View cropFlip(View v, int crop, int padValue, SeededRandom rng, int[] box) {
        int pw = Math.max(v.w, crop);
        int ph = Math.max(v.h, crop);
        int x0 = rng.nextInt(pw - crop + 1);
        int y0 = rng.nextInt(ph - crop + 1);
        boolean flip = rng.nextDouble() < 0.5;
        float[] rgb = new float[3 * crop * crop];
        int[] mask = new int[crop * crop];
        for (int y = 0; y < crop; y++) {
            int sy = y0 + y;
            for (int x = 0; x < crop; x++) {
                int sx = x0 + (flip ? crop - 1 - x : x);
                int o = y * crop + x;
                if (sy < v.h && sx < v.w) {
                    for (int c = 0; c < 3; c++) {
                        rgb[c * crop * crop + o] = v.rgb[c * v.w * v.h + sy * v.w + sx];
                    }
                    mask[o] = v.mask[sy * v.w + sx];
                } else {
                    mask[o] = padValue;
                }
            }
        }
        if (box != null) {
            box[0] = x0;
            box[1] = y0;
            box[2] = flip ? 1 : 0;
        }
        return new View(crop, crop, rgb, mask);
    }

    /**
     * A strong view of a weak crop: with p 0.8 ColorJitter(0.5, 0.5, 0.5, 0.25) (the four in random order), with p
     * 0.2 grayscale, with p 0.5 Gaussian blur σ ~ U(0.1, 2.0). Geometry and mask are unchanged.
     */
    public static float[] strong(float[] rgb, int w, int h, SeededRandom rng) {
        float[] x = rgb.clone();
        if (rng.nextDouble() < 0.8) {
            colorJitter(x, w, h, 0.5, 0.5, 0.5, 0.25, rng);
        }
        if (rng.nextDouble() < 0.2) {
            grayscale(x, w * h);
        }
        if (rng.nextDouble() < 0.5) {
            x = blur(x, w, h, 0.1 + rng.nextDouble() * 1.9);
        }
        return x;
    }

    /** torchvision ColorJitter: factors in [max(0, 1−s), 1+s] (hue in [−hue, hue]), applied in a random order. */
    static void colorJitter(float[] x, int w, int h, double b, double c, double s, double hue, SeededRandom rng) {
        int[] order = rng.permutation(4);
        double fb = 1 - b + rng.nextDouble() * 2 * b;
        double fc = 1 - c + rng.nextDouble() * 2 * c;
        double fs = 1 - s + rng.nextDouble() * 2 * s;
        double fh = -hue + rng.nextDouble() * 2 * hue;
        int n = w * h;
        for (int op : order) {
            switch (op) {
                case 0 -> {
                    for (int i = 0; i < x.length; i++) {
                        x[i] = clamp((float) (x[i] * fb));
                    }
                }
                case 1 -> {
                    double mean = 0;
                    for (int i = 0; i < n; i++) {
                        mean += gray(x, i, n);
                    }
                    blend(x, (float) (mean / n), null, fc, n);
                }
                case 2 -> {
                    float[] g = new float[n];
                    for (int i = 0; i < n; i++) {
                        g[i] = gray(x, i, n);
                    }
                    blend(x, 0, g, fs, n);
                }
                default -> hueShift(x, n, fh);
            }
        }
    }

    private static float gray(float[] x, int i, int n) {
        return 0.299f * x[i] + 0.587f * x[n + i] + 0.114f * x[2 * n + i];
    }

    private static void blend(float[] x, float constant, float[] g, double f, int n) {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                float o = g == null ? constant : g[i];
                x[c * n + i] = clamp((float) (f * x[c * n + i] + (1 - f) * o));
            }
        }
    }

    private static void hueShift(float[] x, int n, double shift) {
        for (int i = 0; i < n; i++) {
            float r = x[i];
            float g = x[n + i];
            float b = x[2 * n + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float d = max - min;
            double hh = 0;
            if (d > 0) {
                if (max == r) {
                    hh = ((g - b) / d) / 6.0;
                } else if (max == g) {
                    hh = ((b - r) / d + 2) / 6.0;
                } else {
                    hh = ((r - g) / d + 4) / 6.0;
                }
            }
            hh = ((hh + shift) % 1.0 + 1.0) % 1.0;
            double sat = max > 0 ? d / max : 0;
            double v = max;
            double h6 = hh * 6;
            int sector = (int) Math.floor(h6) % 6;
            double f = h6 - Math.floor(h6);
            double p = v * (1 - sat);
            double q = v * (1 - sat * f);
            double t = v * (1 - sat * (1 - f));
            double[] rgb = switch (sector) {
                case 0 -> new double[] {v, t, p};
                case 1 -> new double[] {q, v, p};
                case 2 -> new double[] {p, v, t};
                case 3 -> new double[] {p, q, v};
                case 4 -> new double[] {t, p, v};
                default -> new double[] {v, p, q};
            };
            x[i] = (float) rgb[0];
            x[n + i] = (float) rgb[1];
            x[2 * n + i] = (float) rgb[2];
        }
    }

    static void grayscale(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            float g = gray(x, i, n);
            x[i] = g;
            x[n + i] = g;
            x[2 * n + i] = g;
        }
    }

    /** Separable Gaussian blur, radius ceil(3σ), border replicated. */
    static float[] blur(float[] x, int w, int h, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        float[] tmp = new float[x.length];
        float[] out = new float[x.length];
        int n = w * h;
        for (int c = 0; c < 3; c++) {
            int o = c * n;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    float acc = 0;
                    for (int i = -r; i <= r; i++) {
                        acc += k[i + r] * x[o + y * w + Math.min(w - 1, Math.max(0, xx + i))];
                    }
                    tmp[o + y * w + xx] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    float acc = 0;
                    for (int i = -r; i <= r; i++) {
                        acc += k[i + r] * tmp[o + Math.min(h - 1, Math.max(0, y + i)) * w + xx];
                    }
                    out[o + y * w + xx] = acc;
                }
            }
        }
        return out;
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }

    /**
     * UniMatch's {@code obtain_cutmix_box}: with p 0.5 no box (all zeros); else area = U(0.02, 0.4)·size² drawn once,
     * then ratio ~ U(0.3, 1/0.3), w = int(√(area/ratio)), h = int(√(area·ratio)), x, y uniform in [0, size) until the
     * box fits; 1 inside the box. Returns size×size, row-major.
     */
    public static byte[] cutmixBox(int size, SeededRandom rng) {
        byte[] m = new byte[size * size];
        if (rng.nextDouble() > 0.5) {
            return m;
        }
        double area = (0.02 + rng.nextDouble() * 0.38) * size * size;
        int bw;
        int bh;
        int x;
        int y;
        while (true) {
            double ratio = 0.3 + rng.nextDouble() * (1 / 0.3 - 0.3);
            bw = (int) Math.sqrt(area / ratio);
            bh = (int) Math.sqrt(area * ratio);
            x = rng.nextInt(size);
            y = rng.nextInt(size);
            if (x + bw <= size && y + bh <= size) {
                break;
            }
        }
        for (int yy = y; yy < y + bh; yy++) {
            for (int xx = x; xx < x + bw; xx++) {
                m[yy * size + xx] = 1;
            }
        }
        return m;
    }

    /** {@code dst} with the pixels of {@code src} pasted where {@code box} is 1 (all three channels). */
    public static float[] paste(float[] dst, float[] src, byte[] box) {
        float[] out = dst.clone();
        int n = box.length;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                if (box[i] == 1) {
                    out[c * n + i] = src[c * n + i];
                }
            }
        }
        return out;
    }

    /** ImageNet normalisation in place (SemiVL feeds ImageNet-normalised pixels to CLIP for VOC, quirk 2). */
    public static float[] normalize(float[] rgb, int n) {
        float[] out = new float[rgb.length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                out[c * n + i] = (rgb[c * n + i] - VitPreprocess.IMAGENET_MEAN[c]) / VitPreprocess.IMAGENET_STD[c];
            }
        }
        return out;
    }
}
