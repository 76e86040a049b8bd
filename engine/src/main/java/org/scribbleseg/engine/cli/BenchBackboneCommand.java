package org.scribbleseg.engine.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.Dinov2Weights;
import org.scribbleseg.engine.nn.WeightSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg bench backbone --model dinov2-small --size 518 [--runs 5] [--json]}: forward time of a DINOv2
 * backbone with random weights of the real shapes (nothing downloaded), median of the runs after one warm-up.
 * {@code --compare-torch} also runs the same forward in PyTorch ({@code bench/torch_reference.py}, same size and
 * thread count) in the same run and reports the ratio ours / PyTorch.
 */
@Command(name = "backbone", mixinStandardHelpOptions = true,
        description = "Time a DINOv2 forward pass (random weights of the real shapes) at size x size.")
public final class BenchBackboneCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", defaultValue = "dinov2-small",
            description = "dinov2-small, dinov2-base, dinov2-large or dinov2-giant (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--size", defaultValue = "518", description = "input side in pixels, a multiple of 14 (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--runs", defaultValue = "5", description = "timed runs after one warm-up (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--threads", defaultValue = "0",
            description = "intra-op threads for the PyTorch engine; 0 = its default (one per core)")
    int threads;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @CommandLine.Mixin
    TorchReference.Options torch;

    @CommandLine.Mixin
    AttentionOption attention;

    @Override
    public Integer call() throws Exception {
        Dinov2Config cfg = Dinov2Config.preset(model);
        if (size <= 0 || size % cfg.patchSize() != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size must be a positive multiple of " + cfg.patchSize());
        }
        if (runs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be >= 1");
        }
        List<String> modes = attention.modes();
        Map<String, double[]> wall = AttentionOption.times(modes, runs);
        Map<String, double[]> cpuTimes = AttentionOption.times(modes, runs);
        try (NDManager probe = NDManager.newBaseManager()) {
            if (threads > 0 && "PyTorch".equals(probe.getEngine().getEngineName())) {
                JniUtils.setNumThreads(threads);
            }
        }
        int usedThreads = "PyTorch".equals(Engine.getInstance().getEngineName()) ? JniUtils.getNumThreads() : -1;
        try (NDManager base = NDManager.newBaseManager()) {
            Dinov2Model net;
            try (NDManager tmp = base.newSubManager()) {
                Map<String, NDArray> w = Dinov2Weights.random(cfg, tmp, 42);
                net = new Dinov2Model(cfg, WeightSource.of(w), base);
            }
            try (net; NDManager in = base.newSubManager()) {
                NDArray x = in.randomNormal(0f, 1f, new Shape(1, 3, size, size), DataType.FLOAT32);
                for (int r = -1; r < runs; r++) {
                    for (String mode : modes) { // alternately, run by run: a change of load falls on both
                        AttentionOption.use(mode);
                        try (NDManager scope = in.newSubManager()) {
                            long t0 = System.nanoTime();
                            double c0 = processCpuSeconds();
                            x.tempAttach(scope);
                            Dinov2Model.Output o = net.forward(x, false);
                            float[] sink = o.xNorm().toFloatArray(); // forces the computation and the copy out
                            double s = (System.nanoTime() - t0) / 1e9;
                            if (r >= 0) {
                                wall.get(mode)[r] = s;
                                cpuTimes.get(mode)[r] = processCpuSeconds() - c0;
                            }
                            if (sink.length == 0) {
                                throw new IllegalStateException("empty output");
                            }
                        }
                    }
                }
            } finally {
                AttentionOption.use("fused");
            }
        }
        double[] times = wall.get(modes.get(0));
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = AttentionOption.median(times);
        double cpuMedian = AttentionOption.median(cpuTimes.get(modes.get(0)));
        com.fasterxml.jackson.databind.JsonNode ref = this.torch.run(java.util.List.of("--mode", "forward", "--model", model, "--size",
                    Integer.toString(size), "--batch", "1", "--runs", Integer.toString(runs), "--threads",
                    Integer.toString(usedThreads)));
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", model).put("size", size).put("runs", runs).put("median_s", median)
                    .put("min_s", sorted[0]).put("max_s", sorted[runs - 1]).put("cpu_median_s", cpuMedian)
                    .put("threads", usedThreads).put("cores", Runtime.getRuntime().availableProcessors())
                    .put("load_avg_1m", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            o.put("path", modes.get(0));
            AttentionOption.report(o, wall, "s");
            if (modes.size() == 2) {
                o.put("cpu_fused_over_plain", AttentionOption.median(cpuTimes.get("fused")) / AttentionOption.median(cpuTimes.get("plain")));
            }
            if (ref != null) {
                o.set("torch", ref);
                o.put("ratio", median * 1e3 / ref.path("median_ms").asDouble());
            }
            out.println(o);
        } else {
            out.printf("%s @ %dx%d, " + modes.get(0) + " attention: median %.3f s over %d runs (min %.3f, max %.3f); process CPU time median %.3f s; %d threads; load average %.2f%n",
                    model, size, size, median, runs, sorted[0], sorted[runs - 1], cpuMedian, usedThreads,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            if (modes.size() == 2) {
                out.printf("plain attention: median %.3f s (CPU %.3f s); fused / plain %.2f (CPU %.2f)%n",
                        AttentionOption.median(wall.get("plain")), AttentionOption.median(cpuTimes.get("plain")),
                        median / AttentionOption.median(wall.get("plain")),
                        cpuMedian / AttentionOption.median(cpuTimes.get("plain")));
            }
            if (ref != null) {
                out.printf("PyTorch %s (%s attention): median %.3f s; ratio ours / PyTorch %.2f%n", ref.path("torch").asText(),
                        ref.path("attention").asText(), ref.path("median_ms").asDouble() / 1e3,
                        median * 1e3 / ref.path("median_ms").asDouble());
            }
        }
        return 0;
    }

    /**
     * User + system CPU seconds of this process, all threads (libtorch's included), from /proc/self/stat; NaN where
     * that is not available. On a shared machine this is steadier than wall time.
     */
    static double processCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
