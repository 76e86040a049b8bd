package org.scribbleseg.engine.model;

import static org.bytedeco.opencv.global.opencv_core.ALGO_HINT_ACCURATE;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REFLECT;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.RgbImage;

/**
 * The classic filter bank (ilastik's pixel-classification feature set) computed with OpenCV: the offline default
 * backbone, needing no weights.
 *
 * <p>Per scale σ ∈ {@link #SIGMAS} = {0.7, 1.0, 1.6, 3.5, 5.0, 10.0}, nine channels, in this order:
 * <ol>
 *   <li>Gaussian-smoothed colour in CIE Lab (3 channels: L/100, a/128, b/128),</li>
 *   <li>Laplacian of Gaussian of the grey image (Ixx + Iyy of the σ-smoothed grey),</li>
 *   <li>Gaussian gradient magnitude (|∇ G_σ * I|),</li>
 *   <li>structure-tensor eigenvalues, larger then smaller (inner scale σ/2, outer scale σ),</li>
 *   <li>Hessian-of-Gaussian eigenvalues, larger then smaller.</li>
 * </ol>
 * so {@link #CHANNELS} = 6 × 9 = 54. Derivatives are 3×3 Sobel filters (scaled to unit central differences) on the
 * Gaussian-smoothed image; borders reflect.
 *
 * <p>Stride: with stride s &gt; 1 the image is first area-downsampled to ceil(W/s) × ceil(H/s) and the filters run
 * on that grid, so σ is in grid cells (σ·s image pixels). This is what keeps a 2048×1536 photo fast (default s = 4:
 * a 512×384 grid); s = 1 gives ilastik's full-resolution features. Pixel features come from
 * {@link FeatureMap#sample} (bilinear, align_corners = false), the same as for ViT backbones.
 *
 * <p>Thread-safety: stateless; OpenCV may use its own worker threads inside one call. All native memory is
 * released before {@link #features} returns (a {@link PointerScope} owns every Mat).
 */
public final class ClassicBackbone implements Backbone {

    public static final double[] SIGMAS = {0.7, 1.0, 1.6, 3.5, 5.0, 10.0};
    public static final int PER_SCALE = 9;
    public static final int CHANNELS = SIGMAS.length * PER_SCALE;
    public static final int DEFAULT_STRIDE = 4;

    private final int stride;

    public ClassicBackbone() {
        this(DEFAULT_STRIDE);
    }

    public ClassicBackbone(int stride) {
        if (stride < 1 || stride > 64) {
            throw new IllegalArgumentException("stride must be in 1..64: " + stride);
        }
        this.stride = stride;
    }

    @Override
    public String key() {
        return "classic-v1@s" + stride;
    }

    @Override
    public int channels() {
        return CHANNELS;
    }

    @Override
    public int stride() {
        return stride;
    }

    /** Grid width for an image of the given width (ceil(width / stride)). */
    public int gridSize(int imageSize) {
        return (imageSize + stride - 1) / stride;
    }

    @Override
    public FeatureMap features(RgbImage image) {
        int gw = gridSize(image.width());
        int gh = gridSize(image.height());
        int plane = gw * gh;
        float[] out = new float[CHANNELS * plane];
        try (PointerScope scope = new PointerScope()) {
            Mat rgb8 = new Mat(image.height(), image.width(), CV_8UC3);
            ((ByteBuffer) rgb8.createBuffer()).put(image.rgb());
            Mat rgbF = new Mat();
            rgb8.convertTo(rgbF, CV_32FC3, 1.0 / 255.0, 0.0);
            Mat small;
            if (gw != image.width() || gh != image.height()) {
                small = new Mat();
                opencv_imgproc.resize(rgbF, small, new Size(gw, gh), 0, 0, opencv_imgproc.INTER_AREA);
            } else {
                small = rgbF;
            }
            Mat lab = new Mat();
            opencv_imgproc.cvtColor(small, lab, opencv_imgproc.COLOR_RGB2Lab);
            Mat grey = new Mat();
            opencv_imgproc.cvtColor(small, grey, opencv_imgproc.COLOR_RGB2GRAY);

            float[][] tmp = new float[5][plane];
            float[] inter = new float[3 * plane];
            for (int s = 0; s < SIGMAS.length; s++) {
                try (PointerScope perScale = new PointerScope()) {
                    scale(lab, grey, SIGMAS[s], out, s * PER_SCALE * plane, plane, tmp, inter);
                }
            }
        }
        return new FeatureMap(CHANNELS, gh, gw, out);
    }

    /** The nine channels of one scale into out[base ..]; tmp (5 planes) and inter (3 planes) are scratch. */
    private static void scale(Mat lab, Mat grey, double sigma, float[] out, int base, int plane, float[][] tmp,
            float[] inter) {
        // 1. smoothed colour (Lab, roughly unit range)
        read(blur(lab, sigma), inter);
        for (int i = 0; i < plane; i++) {
            out[base + i] = inter[3 * i] / 100f;
            out[base + plane + i] = inter[3 * i + 1] / 128f;
            out[base + 2 * plane + i] = inter[3 * i + 2] / 128f;
        }
        // 2. LoG, 3. gradient magnitude, 5. Hessian eigenvalues: derivatives of the σ-smoothed grey
        float[] ix = tmp[0];
        float[] iy = tmp[1];
        float[] ixx = tmp[2];
        float[] iyy = tmp[3];
        float[] ixy = tmp[4];
        Mat gs = blur(grey, sigma);
        read(sobel(gs, 1, 0, 0.125), ix);
        read(sobel(gs, 0, 1, 0.125), iy);
        read(sobel(gs, 2, 0, 0.25), ixx);
        read(sobel(gs, 0, 2, 0.25), iyy);
        read(sobel(gs, 1, 1, 0.25), ixy);
        int oLog = base + 3 * plane;
        int oGrad = base + 4 * plane;
        int oSt1 = base + 5 * plane;
        int oSt2 = base + 6 * plane;
        int oH1 = base + 7 * plane;
        int oH2 = base + 8 * plane;
        for (int i = 0; i < plane; i++) {
            out[oLog + i] = ixx[i] + iyy[i];
            out[oGrad + i] = (float) Math.sqrt(ix[i] * ix[i] + iy[i] * iy[i]);
            eigen(ixx[i], ixy[i], iyy[i], out, oH1 + i, oH2 + i);
        }
        // 4. structure tensor: gradients at σ/2, their products smoothed at σ
        Mat gi = blur(grey, sigma / 2);
        read(sobel(gi, 1, 0, 0.125), ix);
        read(sobel(gi, 0, 1, 0.125), iy);
        for (int i = 0; i < plane; i++) {
            inter[3 * i] = ix[i] * ix[i];
            inter[3 * i + 1] = ix[i] * iy[i];
            inter[3 * i + 2] = iy[i] * iy[i];
        }
        Mat prods = new Mat(grey.rows(), grey.cols(), CV_32FC3);
        ((FloatBuffer) prods.createBuffer()).put(inter);
        read(blur(prods, sigma), inter);
        for (int i = 0; i < plane; i++) {
            eigen(inter[3 * i], inter[3 * i + 1], inter[3 * i + 2], out, oSt1 + i, oSt2 + i);
        }
    }

    private static Mat blur(Mat src, double sigma) {
        Mat dst = new Mat();
        int k = 2 * (int) Math.ceil(3 * sigma) + 1;
        opencv_imgproc.GaussianBlur(src, dst, new Size(k, k), sigma, sigma, BORDER_REFLECT, ALGO_HINT_ACCURATE);
        return dst;
    }

    private static Mat sobel(Mat src, int dx, int dy, double scale) {
        Mat dst = new Mat();
        // 3x3 Sobel responses to a unit derivative: 8 for d/dx, 4 for d2/dx2 and for d2/dxdy
        opencv_imgproc.Sobel(src, dst, CV_32F, dx, dy, 3, scale, 0.0, BORDER_REFLECT);
        return dst;
    }

    private static void read(Mat m, float[] dst) {
        ((FloatBuffer) m.createBuffer()).get(dst);
    }

    /** Eigenvalues of the symmetric 2x2 [[a, b], [b, c]], larger into out[i1], smaller into out[i2]. */
    private static void eigen(float a, float b, float c, float[] out, int i1, int i2) {
        float mean = 0.5f * (a + c);
        float d = 0.5f * (a - c);
        float r = (float) Math.sqrt(d * d + b * b);
        out[i1] = mean + r;
        out[i2] = mean - r;
    }
}
