package org.scribbleseg.engine.gpu;

import java.util.List;

/**
 * What this machine and process offer for CUDA: whether a CUDA driver/runtime library could be loaded, its
 * version (e.g. 12080 for 12.8), the GPUs found, and whether the PyTorch runtime of the process was built with
 * CUDA. {@link #detect} asks DJL (its CUDA probe loads {@code libcudart} through JNA; it never downloads).
 *
 * @param driverError why no CUDA library could be used (null when {@code cuda} is true)
 */
public record GpuProbe(boolean cuda, int cudaVersion, List<String> gpus, boolean runtimeHasCuda, String runtime,
        String driverError) {
    /** The CUDA version the cu128 libtorch of DJL 0.35.1 needs. */
    public static final int MIN_CUDA = 12080;

    /** Driver, CUDA and GPUs only: never loads libtorch (safe in the app's JVM). */
    public static GpuProbe detectDriver() {
        try {
            if (!ai.djl.util.cuda.CudaUtils.hasCuda()) {
                return new GpuProbe(false, 0, List.of(), false, null, "no CUDA driver or runtime library (libcudart) was found");
            }
            int v = ai.djl.util.cuda.CudaUtils.getCudaVersion();
            int n = ai.djl.util.cuda.CudaUtils.getGpuCount();
            List<String> g = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String cc;
                try {
                    cc = ai.djl.util.cuda.CudaUtils.getComputeCapability(i);
                } catch (RuntimeException e) {
                    cc = "?";
                }
                g.add("GPU " + i + " (compute capability " + cc + ")");
            }
            return new GpuProbe(true, v, g, false, null, null);
        } catch (RuntimeException | LinkageError e) {
            return new GpuProbe(false, 0, List.of(), false, null, "the CUDA probe failed: " + e.getMessage());
        }
    }

    /** Driver, CUDA, GPUs and the PyTorch runtime this process loaded (loads it: use in the worker and the CLI). */
    public static GpuProbe detect() {
        GpuProbe d = detectDriver();
        boolean has;
        String rt;
        try {
            ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine("PyTorch");
            has = e.hasCapability(ai.djl.engine.StandardCapabilities.CUDA);
            rt = "PyTorch " + e.getVersion() + (has ? " (CUDA build)" : " (CPU build)") + " from " + ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
        } catch (RuntimeException | LinkageError e) {
            has = false;
            rt = "PyTorch could not be loaded: " + e.getMessage();
        }
        return new GpuProbe(d.cuda, d.cudaVersion, d.gpus, has, rt, d.driverError);
    }

    public static String version(int v) {
        return v <= 0 ? "none" : (v / 1000) + "." + (v % 1000) / 10;
    }
}
