package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.nn.Ops;
import org.scribbleseg.engine.nn.Parameter;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.VitBlock;
import org.scribbleseg.engine.nn.WeightSource;

/**
 * Random initialisation of the ZeroSeg modules from a {@link SeededRandom} (so a model is a function of its seed,
 * independent of libtorch's generator): linear weights and tokens ~ N(0, 0.02²) as ViT / MAE / GroupViT,
 * LayerNorm weights 1, biases 0. Parameters are created in the module's manager and registered in its {@link Params}.
 */
final class Init {
    static final float STD = 0.02f;
    static final float EPS = 1e-6f;

    final NDManager manager;
    final Params params;
    final SeededRandom rng;

    Init(NDManager manager, Params params, SeededRandom rng) {
        this.manager = manager;
        this.params = params;
        this.rng = rng;
    }

    float[] gaussian(long n, float std) {
        float[] w = new float[Math.toIntExact(n)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        return w;
    }

    Parameter normal(String name, long... shape) {
        return params.add(name, manager.create(gaussian(new Shape(shape).size(), STD), new Shape(shape)));
    }

    Parameter zeros(String name, long... shape) {
        return params.add(name, manager.zeros(new Shape(shape)));
    }

    Parameter ones(String name, long... shape) {
        return params.add(name, manager.ones(new Shape(shape)));
    }

    /** A LayerNorm: {@code name.weight} = 1, {@code name.bias} = 0. */
    Norm norm(String name, long c) {
        return new Norm(ones(name + ".weight", c), zeros(name + ".bias", c));
    }

    /** A linear layer [out, in] with bias. */
    Linear linear(String name, long out, long in) {
        return new Linear(normal(name + ".weight", out, in), zeros(name + ".bias", out));
    }

    /** A pre-LN transformer block (exact GELU MLP, no layer scale) named {@code prefix.*}. */
    VitBlock block(String prefix, long c, long hidden, int heads) {
        try (NDManager tmp = manager.newSubManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>();
            String p = prefix + ".";
            w.put(p + "ln1.weight", tmp.ones(new Shape(c)));
            w.put(p + "ln1.bias", tmp.zeros(new Shape(c)));
            for (String n : new String[] {"q", "k", "v", "out"}) {
                w.put(p + "attn." + n + ".weight", tmp.create(gaussian(c * c, STD), new Shape(c, c)));
                w.put(p + "attn." + n + ".bias", tmp.zeros(new Shape(c)));
            }
            w.put(p + "ln2.weight", tmp.ones(new Shape(c)));
            w.put(p + "ln2.bias", tmp.zeros(new Shape(c)));
            w.put(p + "mlp.fc1.weight", tmp.create(gaussian(hidden * c, STD), new Shape(hidden, c)));
            w.put(p + "mlp.fc1.bias", tmp.zeros(new Shape(hidden)));
            w.put(p + "mlp.fc2.weight", tmp.create(gaussian(hidden * c, STD), new Shape(c, hidden)));
            w.put(p + "mlp.fc2.bias", tmp.zeros(new Shape(c)));
            VitBlock.Names names = new VitBlock.Names(p + "ln1", p + "attn.q", p + "attn.k", p + "attn.v", p + "attn.out", null,
                    p + "ln2", p + "mlp.fc1", p + "mlp.fc2", null, null, null);
            return new VitBlock(WeightSource.of(w), "", manager, params, names, heads, EPS, Ops.Act.GELU, false);
        }
    }

    record Norm(Parameter w, Parameter b) {
        NDArray apply(NDArray x) {
            return Ops.layerNorm(x, w.value(), b.value(), EPS);
        }
    }

    record Linear(Parameter w, Parameter b) {
        NDArray apply(NDArray x) {
            return Ops.linear(x, w.value(), b.value());
        }
    }

    /** fc1 → GELU → fc2. */
    record Mlp(Linear fc1, Linear fc2) {
        NDArray apply(NDArray x) {
            return fc2.apply(fc1.apply(x).getNDArrayInternal().gelu());
        }
    }

    Mlp mlp(String name, long c, long hidden) {
        return new Mlp(linear(name + ".fc1", hidden, c), linear(name + ".fc2", c, hidden));
    }
}
