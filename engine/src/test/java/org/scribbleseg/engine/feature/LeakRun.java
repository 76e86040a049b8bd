package org.scribbleseg.engine.feature;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.Dinov2Model;

/**
 * Child process of {@link VitBackboneTest#thousandExtractionsLeakNothing}: runs N DINOv2 extractions and prints
 * {@code LEAK <arrays before> <arrays after> <early native KB> <late native KB> <arrays left after close>}.
 */
public final class LeakRun {
    private LeakRun() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int runs = Integer.parseInt(args[1]);
        // one intra-op thread: on a shared 2-core machine libgomp's spinning barriers make thousands of tiny
        // forwards with 2 threads ~50x slower; the leak check does not depend on it
        Engine.getEngine("PyTorch"); // JniUtils needs the native library loaded
        JniUtils.setNumThreads(1);
        try (NDManager base = NDManager.newBaseManager()) {
            // 224 px = 256 tokens: every extraction allocates ~1 MB of native tensors, so leaking them would grow
            // the process by ~1 GB over the run, far above the allocator's noise of a few tens of MB
            Dinov2Backbone bb = new Dinov2Backbone("dinov2-tiny", Dinov2Model.load(dir, base), base.newSubManager(), 224);
            RgbImage img = VitBackboneTest.randomImage(256, 192, 4);
            for (int i = 0; i < 50; i++) {
                bb.features(img);
            }
            int arrays = base.getManagedArrays().size();
            // native memory = RSS minus the committed Java heap (which grows with garbage float[]s); it fluctuates by
            // tens of MB with the native allocator, so compare the minimum over two windows
            long early = Long.MAX_VALUE;
            long late = Long.MAX_VALUE;
            for (int i = 1; i <= runs; i++) {
                FeatureMap f = bb.features(img);
                if (f.channels() != 64) {
                    throw new IllegalStateException("expected 64 channels, got " + f.channels());
                }
                if (i % 50 == 0 && i > runs / 5 && i <= runs / 2) {
                    early = Math.min(early, VitBackboneTest.nativeKb());
                } else if (i % 50 == 0 && i > runs * 7 / 10) {
                    late = Math.min(late, VitBackboneTest.nativeKb());
                }
            }
            int arraysAfter = base.getManagedArrays().size();
            bb.close();
            System.out.println("LEAK " + arrays + " " + arraysAfter + " " + early + " " + late + " " + base.getManagedArrays().size());
        }
    }
}
