package org.scribbleseg.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.nn.ClipConfig;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.Params;
import org.scribbleseg.engine.nn.optim.AdamW;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg bench train-step --model dinov2-small|clip-b16 --size 224 --batch 2 [--runs 5] [--json]
 * [--compare-torch]}: one training step of a ViT with random weights of the real shapes (nothing downloaded):
 * forward, loss = sum(last hidden state × R) with a fixed random R, full backward, AdamW over all parameters.
 * Median ms per step after one warm-up step, and the peak RSS of the process. With {@code --compare-torch} the
 * same step runs in PyTorch ({@code bench/torch_reference.py}, same shapes and thread count) in the same run and
 * the ratio ours / PyTorch is reported.
 */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = "Time one training step (forward, backward, AdamW) of a ViT with random weights of the real shapes.")
public final class BenchTrainStepCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", defaultValue = "dinov2-small", description = "dinov2-small, dinov2-base or clip-b16 (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--size", defaultValue = "224", description = "input side in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--batch", defaultValue = "2", description = "images per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--runs", defaultValue = "5", description = "timed steps after one warm-up (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads; 0 = libtorch's default (one per core)")
    int threads;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Mixin
    TorchReference.Options torchOptions;

    @CommandLine.Mixin
    AttentionOption attention;

    /** The model under test: parameters, the step's forward output ("last hidden state"), the model to close. */
    private record Net(Params params, java.util.function.UnaryOperator<NDArray> lastHidden, AutoCloseable model)
            implements AutoCloseable {
        NDArray lastHidden(NDArray x) {
            return lastHidden.apply(x);
        }

        @Override
        public void close() throws Exception {
            model.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (size <= 0 || batch <= 0 || runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size, --batch and --runs must be positive");
        }
        ai.djl.engine.Engine.getInstance(); // loads libtorch before the JNI calls below
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        int usedThreads = JniUtils.getNumThreads();
        List<String> modes = attention.modes();
        Map<String, double[]> times = AttentionOption.times(modes, runs);
        double lossValue = Double.NaN;
        long paramCount;
        try (NDManager base = NDManager.newBaseManager(); Net net = build(base)) {
            paramCount = net.params().count(false);
            base.getEngine().setRandomSeed(1);
            NDArray x = base.randomNormal(0f, 1f, new Shape(batch, 3, size, size), DataType.FLOAT32);
            NDArray r;
            try (NDManager s = base.newSubManager()) {
                x.tempAttach(s); // outputs land in the caller's manager: this scope
                NDArray h = net.lastHidden(x);
                r = base.randomNormal(0f, 1f, h.getShape(), DataType.FLOAT32);
            }
            try (AdamW opt = AdamW.builder(net.params()).lr(1e-4).weightDecay(0.01).build()) {
                for (int i = -1; i < runs; i++) {
                    for (String mode : modes) { // alternately, step by step: a change of load falls on both
                        AttentionOption.use(mode);
                        long t0 = System.nanoTime();
                        try (NDManager s = base.newSubManager(); GradTape tape = net.params().record()) {
                            x.tempAttach(s);
                            NDArray loss = net.lastHidden(x).mul(r).sum();
                            tape.backward(loss);
                            opt.step(tape.gradients());
                            lossValue = loss.getFloat();
                        }
                        if (i >= 0) {
                            times.get(mode)[i] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                }
            } finally {
                AttentionOption.use("fused");
            }
        }
        double[] ms = times.get(modes.get(0));
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = AttentionOption.median(ms);
        double rss = TorchReference.peakRssMb();
        JsonNode torch = torchOptions.run(List.of("--mode", "train-step", "--model", model, "--size",
                    Integer.toString(size), "--batch", Integer.toString(batch), "--runs", Integer.toString(runs),
                    "--threads", Integer.toString(usedThreads)));
        var out = spec.commandLine().getOut();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", model).put("size", size).put("batch", batch).put("runs", runs).put("median_ms", median)
                    .put("min_ms", sorted[0]).put("max_ms", sorted[runs - 1]).put("peak_rss_mb", rss)
                    .put("parameters", paramCount).put("threads", usedThreads)
                    .put("cores", Runtime.getRuntime().availableProcessors()).put("load_avg_1m", load)
                    .put("loss", lossValue).put("path", modes.get(0));
            AttentionOption.report(o, times, "ms");
            if (torch != null) {
                o.set("torch", torch);
                o.put("ratio", median / torch.path("median_ms").asDouble());
            }
            out.println(o);
        } else {
            out.printf("%s train step @ %dx%d, batch %d, " + modes.get(0) + " attention: median %.1f ms over %d steps (min %.1f, max %.1f); peak RSS %.0f MiB; %d threads; load average %.2f%n",
                    model, size, size, batch, median, runs, sorted[0], sorted[runs - 1], rss, usedThreads, load);
            if (modes.size() == 2) {
                out.printf("plain attention: median %.1f ms; fused / plain %.2f%n", AttentionOption.median(times.get("plain")),
                        median / AttentionOption.median(times.get("plain")));
            }
            if (torch != null) {
                out.printf("PyTorch %s (%s attention): median %.1f ms, peak RSS %.0f MiB; ratio ours / PyTorch %.2f%n",
                        torch.path("torch").asText(), torch.path("attention").asText(), torch.path("median_ms").asDouble(),
                        torch.path("peak_rss_mb").asDouble(), median / torch.path("median_ms").asDouble());
            }
        }
        return 0;
    }

    private Net build(NDManager base) {
        if (model.startsWith("dinov2-")) {
            Dinov2Config cfg = Dinov2Config.preset(model);
            if (size % cfg.patchSize() != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--size must be a multiple of " + cfg.patchSize());
            }
            Dinov2Model m = Dinov2Model.random(cfg, 42, base).train(true);
            return new Net(m.params(), x -> m.forward(x, false).xNorm(), m);
        }
        if (model.equals("clip-b16")) {
            ClipConfig cfg = ClipConfig.preset(model);
            if (size % cfg.patchSize() != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--size must be a multiple of " + cfg.patchSize());
            }
            ClipModel m = ClipModel.random(cfg, 42, base, false).train(true);
            return new Net(m.params(), x -> m.encodeImage(x, true, false).lastHidden(), m);
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "unknown --model '" + model + "' (dinov2-small, dinov2-base, clip-b16)");
    }
}
