package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;

/**
 * SemiVL's language-guided decoder ({@code VLGHead}, SemiVL spec §4), trainable on DJL autograd.
 *
 * <ol>
 *   <li>S = cosine(F, T) [B, N, h, w] between the L2-normalised dense CLIP embedding F [B, D, h, w] and the
 *       L2-normalised class text embeddings T [N, D] (no temperature), reshaped to [B·N, 1, h, w];</li>
 *   <li>{@code conv1}: 7×7 conv 1→d with bias (shared across classes);</li>
 *   <li>residual ASPP: 1×1, 3×3 dilation 6/12/18 and image pooling branches (no bias, GroupNorm(8), ReLU; pooling
 *       broadcast back with align_corners=true), concat, 1×1 conv 5d→d, GN(8), ReLU; output = x + that;</li>
 *   <li>{@code text_proj}: Linear D→t + ReLU on T (once, shared by the layers);</li>
 *   <li>2 semantic transformer layers: AvgPool(4) → tokens over the N classes at each pooled location,
 *       <b>concatenated</b> along channels with the projected text (d + t), pre-norm transformer (LN eps 1e-5, 4
 *       heads, exact-GELU FFN 4d), keep the first d channels, bilinear (align_corners=true) back, added to x;</li>
 *   <li>two upsampling blocks: ConvTranspose k2 s2 d→(d−skip), the skip (3×3 conv + ReLU on the value-path tap,
 *       bilinear align_corners=true, repeated per class) concatenated, 2 × (3×3 conv no bias, GN, ReLU);</li>
 *   <li>{@code head}: 3×3 conv → 1 channel per class, [B, N, 4h, 4w], bilinear (align_corners=false) to the
 *       square {@code imgSize}, then to the output size (quirk 4: non-square inputs are distorted and undistorted).</li>
 * </ol>
 * Initialisation is PyTorch's default (the decoder has no init_weights): conv/linear kaiming_uniform(a=√5),
 * i.e. U(±1/√fan_in) for weights and biases (ConvTranspose: fan_in = out·k·k), attention in_proj xavier_uniform
 * with zero biases, out_proj bias 0, norms weight 1 bias 0; drawn from a {@code seed}ed generator.
 * Parameter names follow SVL's module names (conv1, aspp.*, layers.i.*, text_proj, skip_proj.i, up.i.*, head).
 */
public final class VlgHead implements AutoCloseable {

    /** The decoder's hyper-parameters (SemiVL VOC: {@link #semivl}). */
    public record Config(int textDim, int channels, int textChannels, int[] upChannels, int[] skipIn, int[] skipChannels,
            int layers, int heads, int pool, int conv1Kernel, int[] asppRates) {
        /** SemiVL's CFG: d = t = 128, up (64, 32), skips 768 → (32, 16), 2 layers, 4 heads, pool 4, conv1 7×7. */
        public static Config semivl(int textDim, int visionWidth) {
            return new Config(textDim, 128, 128, new int[] {64, 32}, new int[] {visionWidth, visionWidth},
                    new int[] {32, 16}, 2, 4, 4, 7, new int[] {6, 12, 18});
        }

        /** The same architecture with other widths (d, t and the up/skip channels scaled by d / 128). */
        public Config withChannels(int d) {
            int f = Math.max(1, 128 / d);
            return new Config(textDim, d, d, new int[] {Math.max(8, 64 / f), Math.max(4, 32 / f)}, skipIn,
                    new int[] {Math.max(4, 32 / f), Math.max(2, 16 / f)}, layers, heads, pool, conv1Kernel, asppRates);
        }
    }

    private final Config cfg;
    private final NDManager manager;
    private final Params params = new Params();
    private final long seed;
    private long draw;

    public VlgHead(Config cfg, long seed, NDManager parent) {
        this.cfg = cfg;
        this.seed = seed;
        this.manager = parent.newSubManager();
        int d = cfg.channels();
        int k = cfg.conv1Kernel();
        conv("conv1", 1, d, k, true);
        for (int i = 0; i < 4; i++) {
            conv("aspp.convs." + i + ".conv", d, d, i == 0 ? 1 : 3, false);
            norm("aspp.convs." + i + ".gn", d);
        }
        conv("aspp.pool.conv", d, d, 1, false);
        norm("aspp.pool.gn", d);
        conv("aspp.project.conv", 5 * d, d, 1, false);
        norm("aspp.project.gn", d);
        int e = d + cfg.textChannels();
        for (int l = 0; l < cfg.layers(); l++) {
            String p = "layers." + l + ".";
            norm(p + "ln1", e);
            xavier(p + "attn.in_proj_weight", 3 * e, e);
            zeros(p + "attn.in_proj_bias", 3 * e);
            linear(p + "attn.out_proj", e, e, false);
            norm(p + "ln2", e);
            linear(p + "ffn.0", e, 4 * d, true);
            linear(p + "ffn.1", 4 * d, e, true);
        }
        linear("text_proj", cfg.textDim(), cfg.textChannels(), true);
        int[] up = cfg.upChannels();
        int[] sc = cfg.skipChannels();
        int in = d;
        for (int i = 0; i < up.length; i++) {
            conv("skip_proj." + i, cfg.skipIn()[i], sc[i], 3, true);
            convTranspose("up." + i + ".up", in, in - sc[i], 2);
            conv("up." + i + ".conv1", in, up[i], 3, false);
            norm("up." + i + ".gn1", up[i]);
            conv("up." + i + ".conv2", up[i], up[i], 3, false);
            norm("up." + i + ".gn2", up[i]);
            in = up[i];
        }
        conv("head", in, 1, 3, true);
    }

    public Config config() {
        return cfg;
    }

    public Params params() {
        return params;
    }

    // ---- initialisation (PyTorch defaults) ----

    private float[] uniform(int n, double bound) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + (draw++));
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        return w;
    }

    private void add(String name, float[] data, long... shape) {
        params.add(name, manager.create(data, new Shape(shape)));
    }

    private void conv(String name, int in, int out, int k, boolean bias) {
        double bound = 1 / Math.sqrt((double) in * k * k);
        add(name + ".weight", uniform(out * in * k * k, bound), out, in, k, k);
        if (bias) {
            add(name + ".bias", uniform(out, bound), out);
        }
    }

    private void convTranspose(String name, int in, int out, int k) {
        double bound = 1 / Math.sqrt((double) out * k * k); // torch: fan_in from weight dim 1 (out) · k · k
        add(name + ".weight", uniform(in * out * k * k, bound), in, out, k, k);
        add(name + ".bias", uniform(out, bound), out);
    }

    private void linear(String name, int in, int out, boolean bias) {
        double bound = 1 / Math.sqrt(in);
        add(name + ".weight", uniform(out * in, bound), out, in);
        if (bias) {
            add(name + ".bias", uniform(out, bound), out);
        } else {
            zeros(name + ".bias", out);
        }
    }

    private void xavier(String name, int out, int in) {
        add(name, uniform(out * in, Math.sqrt(6.0 / (in + out))), out, in);
    }

    private void zeros(String name, int n) {
        add(name, new float[n], n);
    }

    private void norm(String name, int c) {
        float[] one = new float[c];
        java.util.Arrays.fill(one, 1f);
        add(name + ".weight", one, c);
        zeros(name + ".bias", c);
    }

    // ---- forward ----

    private NDArray w(String name) {
        return params.get(name).value();
    }

    private NDArray conv2d(NDArray x, String name, int pad, int dil, boolean bias) {
        return Conv2d.conv2d(x, w(name + ".weight"), bias ? w(name + ".bias") : null, new Shape(1, 1), new Shape(pad, pad),
                new Shape(dil, dil)).singletonOrThrow();
    }

    /** GroupNorm (PyTorch: biased variance, eps 1e-5) with a per-channel affine. */
    static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        long c = s.get(1);
        NDArray g = x.reshape(s.get(0), groups, -1);
        NDArray d = g.sub(g.mean(new int[] {2}, true));
        NDArray var = d.square().mean(new int[] {2}, true);
        NDArray y = d.div(var.add(1e-5f).sqrt()).reshape(s);
        NDManager m = x.getManager();
        return y.mul(Ops.on(m, weight.reshape(c, 1, 1))).add(Ops.on(m, bias.reshape(c, 1, 1)));
    }

    private NDArray gnRelu(NDArray x, String name, int groups) {
        return groupNorm(x, groups, w(name + ".weight"), w(name + ".bias")).getNDArrayInternal().relu();
    }

    private static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }

    /**
     * Logits [B, N, outH, outW].
     *
     * @param dense F [B, D, h, w] (normalised here)
     * @param skips value-path taps [B, C, h, w] in decoder order (SemiVL: block 4 first, then block 0)
     * @param text T [N, D] (normalised here)
     * @param imgSize the square size the head output is resized to first (SemiVL: the crop size)
     */
    public NDArray forward(NDArray dense, List<NDArray> skips, NDArray text, int imgSize, int outH, int outW) {
        NDManager m = dense.getManager();
        Shape fs = dense.getShape();
        long b = fs.get(0);
        long dim = fs.get(1);
        int h = (int) fs.get(2);
        int wd = (int) fs.get(3);
        long n = text.getShape().get(0);
        int d = cfg.channels();
        NDArray f = normalize(dense, 1);
        NDArray tt = text.toDevice(dense.getDevice(), true); // a copy: nothing of the forward lands in the caller's text manager
        tt.attach(m);
        NDArray t = normalize(tt, 1);
        // 1-2: cosine map
        NDArray s = f.reshape(b, dim, (long) h * wd).transpose(0, 2, 1).matMul(t.transpose(1, 0)).transpose(0, 2, 1)
                .reshape(b * n, 1, h, wd);
        // 3: conv1
        NDArray x = conv2d(s, "conv1", cfg.conv1Kernel() / 2, 1, true);
        // 4: residual ASPP
        x = x.add(aspp(x, h, wd));
        // 6: text projection
        NDArray tp = relu(Ops.linear(t, w("text_proj.weight"), w("text_proj.bias"))); // [N, t]
        // 7: semantic transformer layers
        for (int l = 0; l < cfg.layers(); l++) {
            x = semanticLayer(x, tp, l, (int) b, (int) n, h, wd);
        }
        // 8-11: upsampling with skips
        int[] sc = cfg.skipChannels();
        int ch = h;
        int cw = wd;
        for (int i = 0; i < cfg.upChannels().length; i++) {
            NDArray sk = relu(conv2d(skips.get(i), "skip_proj." + i, 1, 1, true));
            NDArray u = convTranspose2x2(x, w("up." + i + ".up.weight"), w("up." + i + ".up.bias"));
            ch *= 2;
            cw *= 2;
            sk = Bilinear.resize(sk, ch, cw, true);
            sk = sk.expandDims(1).broadcast(new Shape(b, n, sc[i], ch, cw)).reshape(b * n, sc[i], ch, cw);
            x = NDArrays.concat(new NDList(u, sk), 1);
            int g = cfg.upChannels()[i] / 16;
            x = gnRelu(conv2d(x, "up." + i + ".conv1", 1, 1, false), "up." + i + ".gn1", Math.max(1, g));
            x = gnRelu(conv2d(x, "up." + i + ".conv2", 1, 1, false), "up." + i + ".gn2", Math.max(1, g));
        }
        // 12-14: head, resize to the square img size, then to the output size
        NDArray logits = conv2d(x, "head", 1, 1, true).reshape(b, n, ch, cw);
        logits = Bilinear.resize(logits, imgSize, imgSize, false);
        return Bilinear.resize(logits, outH, outW, false);
    }

    /**
     * ConvTranspose2d with kernel 2, stride 2 (DJL's PyTorch engine has no deconvolution): the 2×2 output cells do
     * not overlap, so out[b, o, 2i+a, 2j+c] = Σ_in x[b, in, i, j]·W[in, o, a, c] + bias[o], one matmul.
     */
    public static NDArray convTranspose2x2(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        long b = s.get(0);
        long cin = s.get(1);
        long h = s.get(2);
        long wd = s.get(3);
        long cout = weight.getShape().get(1);
        NDManager m = x.getManager();
        NDArray wm = Ops.on(m, weight.reshape(cin, cout * 4));
        NDArray y = x.transpose(0, 2, 3, 1).matMul(wm).reshape(b, h, wd, cout, 2, 2).transpose(0, 3, 1, 4, 2, 5)
                .reshape(b, cout, 2 * h, 2 * wd);
        return y.add(Ops.on(m, bias.reshape(cout, 1, 1)));
    }

    private static NDArray normalize(NDArray x, int axis) {
        NDArray norm = Ops.maximum(x.square().sum(new int[] {axis}, true).sqrt(), 1e-12f);
        return x.div(norm);
    }

    private NDArray aspp(NDArray x, int h, int wd) {
        NDList branches = new NDList();
        branches.add(gnRelu(conv2d(x, "aspp.convs.0.conv", 0, 1, false), "aspp.convs.0.gn", 8));
        int[] rates = cfg.asppRates();
        for (int i = 0; i < rates.length; i++) {
            String p = "aspp.convs." + (i + 1);
            branches.add(gnRelu(conv2d(x, p + ".conv", rates[i], rates[i], false), p + ".gn", 8));
        }
        NDArray pooled = x.mean(new int[] {3}, true).mean(new int[] {2}, true);
        pooled = gnRelu(conv2d(pooled, "aspp.pool.conv", 0, 1, false), "aspp.pool.gn", 8);
        branches.add(Bilinear.resize(pooled, h, wd, true));
        NDArray cat = NDArrays.concat(branches, 1);
        return gnRelu(conv2d(cat, "aspp.project.conv", 0, 1, false), "aspp.project.gn", 8);
    }

    private NDArray semanticLayer(NDArray x, NDArray tp, int l, int b, int n, int h, int wd) {
        int d = cfg.channels();
        int pool = cfg.pool();
        int ph = h / pool;
        int pw = wd / pool;
        if (ph == 0 || pw == 0) {
            throw new IllegalArgumentException("feature grid " + h + "x" + wd + " is smaller than the pool " + pool);
        }
        long bn = (long) b * n;
        // AvgPool2d(pool), floor mode: the rows/columns past the last full window are dropped
        NDArray cropped = (ph * pool == h && pw * pool == wd) ? x : x.get(":, :, 0:" + ph * pool + ", 0:" + pw * pool);
        NDArray pooled = cropped.reshape(bn, d, ph, pool, pw, pool).mean(new int[] {5}).mean(new int[] {3}); // [BN, d, ph, pw]
        long loc = (long) ph * pw;
        NDArray tok = pooled.reshape(b, n, d, loc).transpose(0, 3, 1, 2).reshape(b * loc, n, d);
        int tc = cfg.textChannels();
        NDArray text = tp.expandDims(0).broadcast(new Shape(b * loc, n, tc));
        text.attach(x.getManager());
        NDArray z = NDArrays.concat(new NDList(tok, text), 2); // [B·loc, N, d + t]
        String p = "layers." + l + ".";
        NDArray a = attention(Ops.layerNorm(z, w(p + "ln1.weight"), w(p + "ln1.bias"), 1e-5f), p);
        z = z.add(a);
        NDArray ff = Ops.layerNorm(z, w(p + "ln2.weight"), w(p + "ln2.bias"), 1e-5f);
        ff = Ops.linear(Ops.Act.GELU.apply(Ops.linear(ff, w(p + "ffn.0.weight"), w(p + "ffn.0.bias"))), w(p + "ffn.1.weight"),
                w(p + "ffn.1.bias"));
        z = z.add(ff);
        NDArray keep = z.get(":, :, 0:" + d).reshape(b, ph, pw, n, d).transpose(0, 3, 4, 1, 2).reshape(bn, d, ph, pw);
        return x.add(Bilinear.resize(keep, h, wd, true));
    }

    private NDArray attention(NDArray y, String p) {
        Shape s = y.getShape();
        long l = s.get(0);
        long n = s.get(1);
        long e = s.get(2);
        int heads = cfg.heads();
        long hd = e / heads;
        NDArray qkv = Ops.linear(y, w(p + "attn.in_proj_weight"), w(p + "attn.in_proj_bias")).reshape(l, n, 3, heads, hd)
                .transpose(2, 0, 3, 1, 4);
        NDArray q = Ops.mul(qkv.get(0), (float) (1.0 / Math.sqrt(hd)));
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray o = q.matMul(k.transpose(0, 1, 3, 2)).softmax(3).matMul(v).transpose(0, 2, 1, 3).reshape(l, n, e);
        return Ops.linear(o, w(p + "attn.out_proj.weight"), w(p + "attn.out_proj.bias"));
    }

    /** Writes the decoder's parameters (safetensors, SVL names). */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        params.save(file, java.util.Map.of());
    }

    @Override
    public void close() {
        manager.close();
    }

}
