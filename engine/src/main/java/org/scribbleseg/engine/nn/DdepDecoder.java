package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The DDeP decoder (seed 003, methods.md §D): a U-Net-style decoder from a frozen backbone's feature map back to
 * full image resolution, with skip features from a small trainable convolutional stem on the raw image.
 *
 * <pre>
 * image x [B,3,H,W] in [-1,1] ── stem: conv3x3/2 → s2 (1/2), conv3x3/2 → s4 (1/4), conv3x3/2 → s8 (1/8)
 * backbone F [B,C,h,w] (standardised per channel) ── 1x1 conv → P2, P4, P8, each resized bilinearly to its level
 * e8  = block(cat(s8, P8))          1/8      context: e16 = block/2(e8), e32 = block/2(e16)
 * u16 = block(cat(up(e32), e16))   1/16
 * u8  = block(cat(up(u16), e8))    1/8
 * u4  = block(cat(up(u8), s4, P4)) 1/4
 * u2  = block(cat(up(u4), s2, P2)) 1/2
 * u1  = block(cat(up(u2), x))      1/1
 * out = conv1x1(u1)                [B, out, H, W]: 3 channels (the noise ε) when pretraining, K classes after
 *                                  {@link #replaceHead}
 * </pre>
 * block = conv3x3 → GroupNorm → ReLU. The backbone grid enters at every level (resized from whatever stride the
 * backbone has: 2-4 for the classic filter bank, 14 for DINOv2), so fine backbone features are not lost at the
 * bottleneck and coarse ones still reach the top. Any H×W works: every stride-2 level is ceil(previous / 2) and each
 * upsampling goes to the exact size of its skip.
 *
 * <p>Parameters are named ("stem.0.weight", "u4.norm.bias", "head.weight", ...), stored F32 in the decoder's
 * manager, saved to / loaded from safetensors by name. The per-channel mean/std of the backbone features are
 * buffers of the model (saved with it, not trained). Forward ops take the activation as first operand so that
 * every intermediate lives in the input's manager, never in the model's.
 */
public final class DdepDecoder implements AutoCloseable {

    /** Widths: stem / level channels at 1/2, 1/4, 1/8 (and 1/16, 1/32 context), full resolution, GroupNorm groups. */
    public record Config(int featureChannels, int c2, int c4, int c8, int c1, int groups, int outChannels) {
        public Config {
            if (featureChannels <= 0 || c2 <= 0 || c4 <= 0 || c8 <= 0 || c1 <= 0 || outChannels <= 0) {
                throw new IllegalArgumentException("decoder widths must be positive");
            }
            for (int c : new int[] {c2, c4, c8, c1}) {
                if (c % groups != 0) {
                    throw new IllegalArgumentException("width " + c + " is not a multiple of " + groups + " groups");
                }
            }
        }

        /** The default widths (≈ 0.4 M parameters for 54 feature channels), predicting 3 noise channels. */
        public static Config defaults(int featureChannels) {
            return new Config(featureChannels, 16, 32, 64, 16, 4, 3);
        }

        public Config withOut(int out) {
            return new Config(featureChannels, c2, c4, c8, c1, groups, out);
        }
    }

    private final NDManager manager;
    private Config config;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private NDArray featMean;
    private NDArray featStd;

    /** A decoder with He-initialised weights from {@code seed}; feature statistics start at mean 0, std 1. */
    public DdepDecoder(Config config, long seed, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        SplittableRandom rng = new SplittableRandom(seed);
        int c = config.featureChannels();
        conv("stem.0", 3, config.c2(), 3, rng);
        conv("stem.1", config.c2(), config.c4(), 3, rng);
        conv("stem.2", config.c4(), config.c8(), 3, rng);
        conv("proj", c, config.c2() + config.c4() + config.c8(), 1, rng);
        block("e8", 2 * config.c8(), config.c8(), rng);
        block("e16", config.c8(), config.c8(), rng);
        block("e32", config.c8(), config.c8(), rng);
        block("u16", 2 * config.c8(), config.c8(), rng);
        block("u8", 2 * config.c8(), config.c8(), rng);
        block("u4", config.c8() + 2 * config.c4(), config.c4(), rng);
        block("u2", config.c4() + 2 * config.c2(), config.c2(), rng);
        block("u1", config.c2() + 3, config.c1(), rng);
        conv("head", config.c1(), config.outChannels(), 1, rng);
        featMean = manager.zeros(new Shape(1, c, 1, 1));
        featStd = manager.ones(new Shape(1, c, 1, 1));
    }

    public Config config() {
        return config;
    }

    /** The trainable parameters by name, in order (unmodifiable; the arrays are the model's). */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    public long parameterCount() {
        return params.values().stream().mapToLong(NDArray::size).sum();
    }

    /** The per-channel feature mean used for standardisation (a copy). */
    public float[] featureMean() {
        return featMean.toFloatArray();
    }

    /** The per-channel feature std used for standardisation (a copy). */
    public float[] featureStd() {
        return featStd.toFloatArray();
    }

    /** Sets the per-channel standardisation of the backbone features ({@code mean}, {@code std}: C values). */
    public void setFeatureStats(float[] mean, float[] std) {
        int c = config.featureChannels();
        if (mean.length != c || std.length != c) {
            throw new IllegalArgumentException("feature stats need " + c + " values");
        }
        featMean.set(mean);
        float[] s = std.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.max(s[i], 1e-6f);
        }
        featStd.set(s);
    }

    /**
     * Replaces the final 1×1 projection with a fresh one to {@code classes} outputs (DDeP's fine-tuning start):
     * small random weights from {@code seed}, zero bias.
     */
    public void replaceHead(int classes, long seed) {
        replaceHead(classes, seed, null, null);
    }

    /**
     * {@link #replaceHead(int, long)} plus, when {@code skipWeight} is given, a linear path from the standardised
     * backbone features straight to the class logits ({@code skip}: K × C weights and K biases, bilinearly
     * upsampled and added to the decoder's output). With a skip path the new decoder head starts at zero, so the
     * decoder first predicts exactly what the linear path does (e.g. the live head it was initialised from) and
     * fine-tuning learns the correction.
     */
    public void replaceHead(int classes, long seed, float[] skipWeight, float[] skipBias) {
        params.remove("head.weight").close();
        params.remove("head.bias").close();
        NDArray w = params.remove("skip.weight");
        if (w != null) {
            w.close();
            params.remove("skip.bias").close();
        }
        config = config.withOut(classes);
        conv("head", config.c1(), classes, 1, new SplittableRandom(seed));
        if (skipWeight != null) {
            int c = config.featureChannels();
            if (skipWeight.length != classes * c || skipBias.length != classes) {
                throw new IllegalArgumentException("skip path needs " + classes + "x" + c + " weights and " + classes + " biases");
            }
            params.get("head.weight").muli(0f);
            params.put("skip.weight", manager.create(skipWeight, new Shape(classes, c, 1, 1)));
            params.put("skip.bias", manager.create(skipBias, new Shape(classes)));
        }
    }

    /** Whether the decoder has a linear skip path from the features to the logits. */
    public boolean hasSkip() {
        return params.containsKey("skip.weight");
    }

    /**
     * The decoder output at full resolution.
     *
     * @param image    [B, 3, H, W], values in [-1, 1] (noisy or clean)
     * @param features [B, C, h, w] raw backbone features of the same image (any grid; standardised here)
     * @return [B, out, H, W]
     */
    public NDArray forward(NDArray image, NDArray features) {
        Shape is = image.getShape();
        Shape fs = features.getShape();
        if (is.dimension() != 4 || is.get(1) != 3) {
            throw new IllegalArgumentException("image must be [B, 3, H, W], got " + is);
        }
        if (fs.dimension() != 4 || fs.get(1) != config.featureChannels() || fs.get(0) != is.get(0)) {
            throw new IllegalArgumentException("features must be [" + is.get(0) + ", " + config.featureChannels()
                    + ", h, w], got " + fs);
        }
        NDArray s2 = relu(conv(image, "stem.0", 2));
        NDArray s4 = relu(conv(s2, "stem.1", 2));
        NDArray s8 = relu(conv(s4, "stem.2", 2));
        NDArray f = features.sub(featMean).div(featStd);
        NDArray p = conv(f, "proj", 1);
        NDList parts = p.split(new long[] {config.c2(), config.c2() + config.c4()}, 1);
        NDArray p2 = resize(parts.get(0), s2);
        NDArray p4 = resize(parts.get(1), s4);
        NDArray p8 = resize(parts.get(2), s8);
        NDArray e8 = block(cat(s8, p8), "e8", 1);
        NDArray e16 = block(e8, "e16", 2);
        NDArray e32 = block(e16, "e32", 2);
        NDArray u16 = block(cat(resize(e32, e16), e16), "u16", 1);
        NDArray u8 = block(cat(resize(u16, e8), e8), "u8", 1);
        NDArray u4 = block(cat(resize(u8, s4), s4, p4), "u4", 1);
        NDArray u2 = block(cat(resize(u4, s2), s2, p2), "u2", 1);
        NDArray u1 = block(cat(resize(u2, image), image), "u1", 1);
        NDArray out = conv(u1, "head", 1);
        if (hasSkip()) {
            out = out.add(resize(conv(f, "skip", 1), image));
        }
        return out;
    }

    /** Saves parameters and feature statistics (safetensors, by name, atomically). */
    public void save(Path file, Map<String, String> metadata) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("model", "ddep-decoder")
                .metadata("config", configString());
        metadata.forEach(w::metadata);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            w.put(e.getKey(), e.getValue().getShape().getShape(), e.getValue().toFloatArray());
        }
        w.put("buffers.feature_mean", featMean.getShape().getShape(), featMean.toFloatArray());
        w.put("buffers.feature_std", featStd.getShape().getShape(), featStd.toFloatArray());
        w.write(file);
    }

    /** A decoder read back from {@link #save}: the configuration comes from the file's metadata. */
    public static DdepDecoder load(Path file, NDManager parent) {
        try (Safetensors st = Safetensors.open(file)) {
            String cfg = st.metadata().get("config");
            if (cfg == null || !"ddep-decoder".equals(st.metadata().get("model"))) {
                throw new SafetensorsException(file + " is not a DDeP decoder checkpoint");
            }
            String[] v = cfg.split(",");
            Config c = new Config(Integer.parseInt(v[0]), Integer.parseInt(v[1]), Integer.parseInt(v[2]),
                    Integer.parseInt(v[3]), Integer.parseInt(v[4]), Integer.parseInt(v[5]), Integer.parseInt(v[6]));
            DdepDecoder d = new DdepDecoder(c, 0, parent);
            if (st.contains("skip.weight")) {
                d.replaceHead(c.outChannels(), 0, st.floats("skip.weight"), st.floats("skip.bias"));
            }
            for (Map.Entry<String, NDArray> e : d.params.entrySet()) {
                if (!st.contains(e.getKey())) {
                    d.close();
                    throw new SafetensorsException(file + " lacks parameter '" + e.getKey() + "'");
                }
                e.getValue().set(st.floats(e.getKey()));
            }
            d.featMean.set(st.floats("buffers.feature_mean"));
            d.featStd.set(st.floats("buffers.feature_std"));
            return d;
        }
    }

    private String configString() {
        Config c = config;
        return c.featureChannels() + "," + c.c2() + "," + c.c4() + "," + c.c8() + "," + c.c1() + "," + c.groups() + ","
                + c.outChannels();
    }

    @Override
    public void close() {
        manager.close();
    }

    // ---- construction ----

    private void conv(String name, int in, int out, int k, SplittableRandom rng) {
        float std = (float) Math.sqrt(2.0 / (in * k * k));
        if (name.equals("head")) {
            std = (float) Math.sqrt(1.0 / (in * k * k));
        }
        float[] w = new float[out * in * k * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (gaussian(rng) * std);
        }
        params.put(name + ".weight", manager.create(w, new Shape(out, in, k, k)));
        params.put(name + ".bias", manager.zeros(new Shape(out)));
    }

    private void block(String name, int in, int out, SplittableRandom rng) {
        conv(name + ".conv", in, out, 3, rng);
        params.put(name + ".norm.weight", manager.ones(new Shape(1, out, 1, 1)));
        params.put(name + ".norm.bias", manager.zeros(new Shape(1, out, 1, 1)));
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    // ---- forward pieces (activation first, so results stay in its manager) ----

    private NDArray conv(NDArray x, String name, int stride) {
        NDArray w = params.get(name + ".weight");
        int k = (int) w.getShape().get(2);
        return Conv2d.conv2d(x, w, params.get(name + ".bias"), new Shape(stride, stride),
                new Shape(k / 2, k / 2), new Shape(1, 1), 1).singletonOrThrow();
    }

    private NDArray block(NDArray x, String name, int stride) {
        NDArray y = conv(x, name + ".conv", stride);
        return relu(groupNorm(y, params.get(name + ".norm.weight"), params.get(name + ".norm.bias")));
    }

    private NDArray groupNorm(NDArray x, NDArray gamma, NDArray beta) {
        Shape s = x.getShape();
        long b = s.get(0);
        long g = config.groups();
        NDArray r = x.reshape(b, g, -1);
        NDArray mean = r.mean(new int[] {2}, true);
        NDArray centred = r.sub(mean);
        NDArray var = centred.square().mean(new int[] {2}, true);
        NDArray n = centred.div(var.add(1e-5f).sqrt()).reshape(s);
        return n.mul(gamma).add(beta);
    }

    private static NDArray relu(NDArray x) {
        return Activation.relu(x);
    }

    private static NDArray cat(NDArray... xs) {
        return NDArrays.concat(new NDList(xs), 1);
    }

    /** Bilinear resize (align_corners = false) of {@code x} to the spatial size of {@code like}. */
    static NDArray resize(NDArray x, NDArray like) {
        long h = like.getShape().get(2);
        long w = like.getShape().get(3);
        if (x.getShape().get(2) == h && x.getShape().get(3) == w) {
            return x;
        }
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, 1, false);
    }
}
