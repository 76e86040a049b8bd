package org.scribbleseg.engine.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.SafetensorsException;

class AdamWTest {
    @TempDir
    Path tmp;

    private static Params params(NDManager m) {
        Params p = new Params();
        p.add("encoder.attn.weight", m.create(new float[] {1f, -2f, 3f}, new Shape(3)));
        p.add("encoder.norm.bias", m.create(new float[] {0.5f, 0.5f}, new Shape(2)));
        p.add("head.weight", m.create(new float[] {2f, 2f}, new Shape(2)));
        p.add("unused", m.create(new float[] {4f}, new Shape(1)));
        return p;
    }

    private static AdamW opt(Params p) {
        return AdamW.builder(p).lr(0.1).weightDecay(0.5)
                .rule("attn", n -> n.contains("attn"), 0.01, 1.0)
                .rule("norm_bias", n -> n.contains("norm") || n.endsWith(".bias"), 1.0, 0.0)
                .rule("never", n -> n.contains("attn"), 7.0, 7.0) // shadowed: the first match wins
                .schedule(new PolySchedule(10, 0.9, 2, 0.1)).build();
    }

    private static Map<String, NDArray> grads(NDManager m, float s) {
        Map<String, NDArray> g = new LinkedHashMap<>();
        g.put("encoder.attn.weight", m.create(new float[] {0.1f * s, -0.2f, 0.3f}, new Shape(3)));
        g.put("encoder.norm.bias", m.create(new float[] {1f, -1f * s}, new Shape(2)));
        g.put("head.weight", m.create(new float[] {0.5f, s}, new Shape(2)));
        return g;
    }

    /** The update written out by hand for one element, in double (float32 rounding makes the difference). */
    @Test
    void firstStepFollowsTheTorchFormulaWithGroupsAndSkipsParametersWithoutGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            Params p = params(m);
            try (AdamW o = opt(p)) {
                assertThat(o.group("encoder.attn.weight").name()).isEqualTo("attn");
                assertThat(o.group("encoder.norm.bias").name()).isEqualTo("norm_bias");
                assertThat(o.group("head.weight").name()).isEqualTo("default");
                // warm-up factor at t = 0: 0.1 (start) x poly 1
                assertThat(o.lr("head.weight")).isCloseTo(0.1 * 0.1, within(1e-15));
                assertThat(o.lr("encoder.attn.weight")).isCloseTo(0.1 * 0.01 * 0.1, within(1e-15));
                assertThat(o.weightDecay("encoder.norm.bias")).isZero();
                o.step(grads(m, 1f));
                double lr = 0.01;
                // t = 1: m = 0.1 g, v = 0.001 g^2, mhat / sqrt(vhat) = sign(g)
                double expectHead0 = 2 * (1 - lr * 0.5) - lr * 0.5 / (0.5 + 1e-8);
                assertThat(p.get("head.weight").data().toFloatArray()[0]).isCloseTo((float) expectHead0, within(1e-6f));
                double expectBias1 = 0.5 + lr * 1 / (1 + 1e-8); // g = -1, no decay
                assertThat(p.get("encoder.norm.bias").data().toFloatArray()[1]).isCloseTo((float) expectBias1, within(1e-6f));
                assertThat(p.get("unused").data().toFloatArray()).containsExactly(4f); // no gradient: no decay either
                assertThat(o.stepsDone()).isEqualTo(1);
                // warm-up: t = 1 of 2 -> 0.1 + 0.9 * 0.5, times poly (1 - 0.1)^0.9
                assertThat(o.lr("head.weight")).isCloseTo(0.1 * 0.55 * Math.pow(0.9, 0.9), within(1e-15));
            }
        }
    }

    @Test
    void savedStateResumesToTheSameWeightsBitForBit() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Params a = params(m);
            float[] straight;
            try (AdamW o = opt(a)) {
                for (int i = 0; i < 5; i++) {
                    o.step(grads(m, i + 1));
                }
                straight = a.get("head.weight").data().toFloatArray();
            }
            Params b = params(m);
            Path state = tmp.resolve("opt.safetensors");
            Path weights = tmp.resolve("w.safetensors");
            try (AdamW o = opt(b)) {
                for (int i = 0; i < 3; i++) {
                    o.step(grads(m, i + 1));
                }
                o.saveState(state);
                b.save(weights, Map.of());
            }
            Params c = params(m);
            c.load(weights);
            try (AdamW o = opt(c)) {
                o.loadState(state);
                assertThat(o.stepsDone()).isEqualTo(3);
                for (int i = 3; i < 5; i++) {
                    o.step(grads(m, i + 1));
                }
            }
            assertThat(c.get("head.weight").data().toFloatArray()).containsExactly(straight);
            // a state saved with other settings is refused, clearly
            Params d = params(m);
            try (AdamW other = AdamW.builder(d).lr(0.2).build()) {
                assertThatThrownBy(() -> other.loadState(state)).isInstanceOf(SafetensorsException.class)
                        .hasMessageContaining("optimizer settings differ");
            }
        }
    }

    @Test
    void frozenParametersAreNotStepped() {
        try (NDManager m = NDManager.newBaseManager()) {
            Params p = params(m);
            assertThat(p.freeze(n -> !n.contains("attn"))).isEqualTo(3);
            try (AdamW o = opt(p)) {
                assertThat(o.names()).containsExactly("encoder.attn.weight");
                assertThatThrownBy(() -> o.step(grads(m, 1))).hasMessageContaining("does not update");
            }
        }
    }

    @Test
    void polyScheduleAndClipping() {
        PolySchedule s = PolySchedule.poly(10);
        assertThat(s.factor(0)).isEqualTo(1.0);
        assertThat(s.factor(1)).isEqualTo(Math.pow(0.9, 0.9));
        assertThat(s.factor(10)).isZero();
        PolySchedule w = new PolySchedule(100, 0.9, 10, 0.0);
        assertThat(w.factor(0)).isZero();
        assertThat(w.factor(5)).isCloseTo(0.5 * Math.pow(0.95, 0.9), within(1e-12));
        assertThat(w.factor(10)).isEqualTo(Math.pow(0.9, 0.9));
        assertThatThrownBy(() -> new PolySchedule(10, 0.9, 11, 0)).hasMessageContaining("warm-up");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> g = new LinkedHashMap<>();
            g.put("a", m.create(new float[] {3f, 0f}));
            g.put("b", m.create(new float[] {0f, -4f}));
            double total = GradClip.byGlobalNorm(g, 1.0);
            assertThat(total).isCloseTo(5.0, within(1e-6));
            assertThat(g.get("a").toFloatArray()[0]).isCloseTo(0.6f, within(1e-6f));
            assertThat(g.get("b").toFloatArray()[1]).isCloseTo(-0.8f, within(1e-6f));
            assertThat(GradClip.byGlobalNorm(g, 10.0)).isCloseTo(1.0, within(1e-6)); // below the limit: unchanged
            assertThat(g.get("a").toFloatArray()[0]).isCloseTo(0.6f, within(1e-6f));
            float a0 = g.get("a").toFloatArray()[0];
            GradClip.byValue(g, 0.7);
            assertThat(g.get("a").toFloatArray()).containsExactly(a0, 0f); // inside the limit: unchanged
            assertThat(g.get("b").toFloatArray()).containsExactly(0f, -0.7f); // the lower side is clamped too
        }
    }
}
