package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Ops' scalar operands survive until the backward pass. DJL 0.35.1's {@code x.mul(0.125f)} puts the 0.125 in a tensor
 * over a Java direct buffer and frees it when the op returns; autograd reads it again in backward. Under the same
 * "garbage collection, then fresh 4-byte direct buffers holding 1e30" that this test runs between forward and
 * backward, {@code x.mul(0.125f)} gave a wrong gradient (1e30, NaN, 1e-21) in 30 of 30 trials; the checked-in
 * fixture's batch-2 query gradients of DINOv2 were garbage in 2 of 20 {@code check-model --grad} runs for that reason.
 */
class OpsScalarTest {
    private static final int TRIALS = 8;

    private final List<ByteBuffer> filler = new ArrayList<>();

    /** Frees what is unreachable (the scalar buffers DJL closed) and fills freed small blocks with 1e30. */
    private void overwriteFreedScalars() throws InterruptedException {
        for (int k = 0; k < 3; k++) {
            System.gc();
            Thread.sleep(10);
        }
        filler.clear();
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            b.putFloat(0, 1e30f);
            filler.add(b);
        }
    }

    /** d/dw sum(op(w)) at w = 0.5 (all 64 entries), with the freed-memory churn between forward and backward. */
    private float[] gradient(Function<NDArray, NDArray> op) throws InterruptedException {
        try (NDManager m = NDManager.newBaseManager()) {
            Params p = new Params();
            p.add("w", m.full(new Shape(64), 0.5f));
            try (GradTape tape = p.record()) {
                NDArray y = op.apply(p.get("w").value()).sum();
                overwriteFreedScalars();
                tape.backward(y);
                return tape.gradients().get("w").toFloatArray();
            }
        }
    }

    @Test
    void scalarOperandsAreStillThereInBackward() throws InterruptedException {
        for (int trial = 0; trial < TRIALS; trial++) {
            assertThat(gradient(w -> Ops.mul(w, 0.125))).as("d(0.125 w)/dw").containsOnly(0.125f);
            assertThat(gradient(w -> Ops.div(w, 4))).as("d(w / 4)/dw").containsOnly(0.25f);
            assertThat(gradient(w -> Ops.pow(w, 3))).as("d(w^3)/dw at 0.5").containsOnly(0.75f);
            assertThat(gradient(w -> Ops.maximum(w, 0.25))).as("d max(w, 0.25)/dw at 0.5").containsOnly(1f);
            assertThat(gradient(w -> Ops.minimum(w, 0.25))).as("d min(w, 0.25)/dw at 0.5").containsOnly(0f);
        }
    }

    @Test
    void quickGeluGradientIsExact() throws InterruptedException {
        // x * sigmoid(1.702 x): d/dx = s + 1.702 x s (1 - s) with s = sigmoid(1.702 x)
        double s = 1 / (1 + Math.exp(-1.702 * 0.5));
        float expected = (float) (s + 1.702 * 0.5 * s * (1 - s));
        for (int trial = 0; trial < TRIALS; trial++) {
            assertThat(gradient(Ops.Act.QUICK_GELU::apply)).containsOnly(new float[] {expected}, Offset.offset(1e-6f));
        }
    }
}
