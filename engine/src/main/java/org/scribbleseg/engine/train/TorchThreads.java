package org.scribbleseg.engine.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count for training. On a small shared box one thread is much faster than the default
 * (the multi-threaded kernels spin while other processes hold the cores: 0.9 s vs 6.4 s per DDeP step measured on
 * the 2-core box under load).
 */
public final class TorchThreads {
    private TorchThreads() {
    }

    /** Sets the intra-op thread count (loading the PyTorch engine first) and returns the previous one. */
    public static int set(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        Engine.getEngine("PyTorch");
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        return before;
    }
}
