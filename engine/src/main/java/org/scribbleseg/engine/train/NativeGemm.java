package org.scribbleseg.engine.train;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Single-precision GEMM through OpenBLAS (JavaCV's {@code org.bytedeco.openblas}, already on the classpath) on
 * native buffers, for the live head's objective. The buffers are native so that no Java array is copied per call
 * (JavaCPP's array overloads copy both ways). OpenBLAS is set to one thread per call: the callers parallelise over
 * blocks of samples themselves, and nothing else in the engine uses this OpenBLAS.
 *
 * <p>When the library cannot be loaded (another platform, a stripped image) or the system property
 * {@code scribbleseg.head.gemm=false} is set, {@link #available()} is false and the head uses its Java loops.
 */
final class NativeGemm {

    private static final String UNAVAILABLE = probe();

    private NativeGemm() {
    }

    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the Java loops are used, or null when OpenBLAS is. */
    static String whyUnavailable() {
        return UNAVAILABLE;
    }

    /** C (m×n) = alpha · op(A) · op(B) + beta · C, all row-major. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a, int lda,
            FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static String probe() {
        if ("false".equalsIgnoreCase(System.getProperty("scribbleseg.head.gemm"))) {
            return "disabled by scribbleseg.head.gemm=false";
        }
        return probeLoaded();
    }

    private static String probeLoaded() {
        try {
            // OpenCV first, then OpenBLAS, the order in which the image thread's first decode loads them (OpenCV's
            // core depends on OpenBLAS): with the other order, the app hung opening the demo in 2 of 5 starts, this
            // thread in OpenBLAS's class initialisation or its symbol lookup while the image thread, inside OpenCV's,
            // waited on the same library (JavaCPP's loader lock against the class initialisation lock)
            Loader.load(org.bytedeco.opencv.global.opencv_core.class);
            Loader.load(openblas_nolapack.class);
            openblas_nolapack.blas_set_num_threads(1);
            // a 2×2 product with a known answer: a library that loads but computes wrongly is not used
            try (FloatPointer a = new FloatPointer(1f, 2f, 3f, 4f);
                    FloatPointer b = new FloatPointer(5f, 6f, 7f, 8f);
                    FloatPointer c = new FloatPointer(4)) {
                sgemm(false, true, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
                float[] out = new float[4];
                c.get(out);
                if (out[0] != 17f || out[1] != 23f || out[2] != 39f || out[3] != 53f) {
                    return "OpenBLAS gave a wrong 2x2 product: " + java.util.Arrays.toString(out);
                }
            }
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: the library is not usable here
            return "OpenBLAS could not be loaded: " + t;
        }
    }
}
