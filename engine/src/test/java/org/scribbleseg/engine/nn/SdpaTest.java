package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fused attention kernel reached through TorchScript computes what the plain path computes, forward and back. */
class SdpaTest {
    private static final Dinov2Config TINY = new Dinov2Config(32, 2, 4, 64, 14, 2, 0, 1e-6f, false, 0.1);

    @AfterEach
    void plainOff() {
        System.clearProperty(Sdpa.PROPERTY);
    }

    private static <T> T plain(Supplier<T> f) {
        System.setProperty(Sdpa.PROPERTY, "plain");
        try {
            return f.get();
        } finally {
            System.clearProperty(Sdpa.PROPERTY);
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void theBundledLibtorchHasIt() {
        assertThat(Sdpa.available()).as("libtorch 2.7.1 compiles the TorchScript archive").isTrue();
        assertThat(plain(Sdpa::available)).as("-Dscribbleseg.attention=plain turns it off").isFalse();
    }

    @Test
    void maskedAttentionEqualsSoftmaxOfMaskedScores() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 3, 9, 8));
            NDArray k = m.randomNormal(new Shape(2, 3, 9, 8));
            NDArray v = m.randomNormal(new Shape(2, 3, 9, 8));
            float[] causal = new float[81];
            for (int i = 0; i < 9; i++) {
                for (int j = i + 1; j < 9; j++) {
                    causal[i * 9 + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray mask = m.create(causal, new Shape(9, 9));
            NDArray ref = Ops.mul(q, 1 / Math.sqrt(8)).matMul(k.transpose(0, 1, 3, 2)).add(mask).softmax(3).matMul(v);
            assertThat(maxDiff(Sdpa.attention(q, k, v, mask).toFloatArray(), ref.toFloatArray())).isLessThan(1e-5);
            NDArray unmasked = Ops.mul(q, 1 / Math.sqrt(8)).matMul(k.transpose(0, 1, 3, 2)).softmax(3).matMul(v);
            assertThat(maxDiff(Sdpa.attention(q, k, v, null).toFloatArray(), unmasked.toFloatArray())).isLessThan(1e-5);
        }
    }

    /** DINOv2 forward and every parameter's gradient, fused vs plain attention, batch 2 on a 3 x 2 patch grid. */
    @Test
    void vitForwardAndGradientsMatchThePlainPath() {
        try (NDManager m = NDManager.newBaseManager(); Dinov2Model model = Dinov2Model.random(TINY, 11, m)) {
            NDArray x = m.randomNormal(new Shape(2, 3, 42, 28));
            NDArray r = m.randomNormal(new Shape(2, 7, 32));
            Supplier<Map<String, float[]>> run = () -> {
                Map<String, float[]> out = new HashMap<>();
                try (NDManager s = m.newSubManager(); GradTape tape = model.params().record()) {
                    NDArray in = tape.input(x);
                    NDArray y = model.forward(in, false).xNorm();
                    out.put("x_norm", y.toFloatArray());
                    tape.backward(y.mul(r).sum());
                    out.put("grad_input", tape.gradientOf(in).toFloatArray());
                    tape.gradients().forEach((n, g) -> out.put(n, g.toFloatArray()));
                }
                return out;
            };
            Map<String, float[]> fused = run.get();
            Map<String, float[]> plain = plain(run);
            assertThat(fused.keySet()).isEqualTo(plain.keySet()).contains("encoder.layer.0.attention.attention.query.weight");
            for (String n : plain.keySet()) {
                float[] p = plain.get(n);
                double scale = 0;
                for (float v : p) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(maxDiff(fused.get(n), p)).as(n).isLessThanOrEqualTo(1e-5 + 1e-4 * scale);
            }
        }
    }
}
