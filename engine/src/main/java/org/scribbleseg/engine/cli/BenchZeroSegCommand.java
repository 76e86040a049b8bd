package org.scribbleseg.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.heavy.SeededRandom;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.GradTape;
import org.scribbleseg.engine.nn.optim.AdamW;
import org.scribbleseg.engine.zeroseg.MultiScaleViews;
import org.scribbleseg.engine.zeroseg.ZeroSegConfig;
import org.scribbleseg.engine.zeroseg.ZeroSegJob;
import org.scribbleseg.engine.zeroseg.ZeroSegLosses;
import org.scribbleseg.engine.zeroseg.ZeroSegModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg bench zeroseg [--presets default,tiny] [--batch 2] [--runs 3] [--threads N] [--json]}: ZeroSeg
 * throughput on this machine with random weights (nothing downloaded; quality means nothing): images/s of a
 * training step (student forward with the MAE mask, the three losses against fixed random teacher embeddings,
 * backward, AdamW; the frozen teacher runs once per image and is not in the step) and of a pre-labelling forward,
 * for each preset; the reference, measured in the same run, is a DINOv2 ViT-S/14 at 224 px (our ViT-S, as in
 * {@code bench backbone} / {@code bench train-step}): its training step (forward, sum(x·R), backward, AdamW) and
 * its forward, same batch. Ratios are ZeroSeg images/s ÷ ViT-S images/s.
 */
@Command(name = "zeroseg", mixinStandardHelpOptions = true,
        description = "ZeroSeg student throughput (training step and pre-labelling forward, images/s) vs our ViT-S/14 in the same run.")
public final class BenchZeroSegCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--presets", defaultValue = "default,tiny", split = ",", description = "ZeroSeg presets: default, cpu, tiny (default: ${DEFAULT-VALUE})")
    List<String> presets;

    @Option(names = "--batch", defaultValue = "2", description = "images per training step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--runs", defaultValue = "3", description = "timed repetitions after one warm-up (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--embed", defaultValue = "512", description = "teacher embedding size (CLIP ViT-B/16: 512) (default: ${DEFAULT-VALUE})")
    int embed;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads; 0 = libtorch's default (one per core)")
    int threads;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch <= 0 || runs < 1 || embed < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch, --runs and --embed must be positive");
        }
        ai.djl.engine.Engine.getInstance();
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("batch", batch).put("runs", runs).put("threads", JniUtils.getNumThreads())
                .put("cores", Runtime.getRuntime().availableProcessors())
                .put("note", "random weights: throughput only, quality means nothing");
        var out = spec.commandLine().getOut();
        double refTrain;
        double refForward;
        try (NDManager base = NDManager.newBaseManager(); Dinov2Model vit = Dinov2Model.random(Dinov2Config.preset("small"), 1, base)) {
            NDArray x = base.randomNormal(0f, 1f, new Shape(batch, 3, 224, 224), DataType.FLOAT32);
            NDArray r = base.randomNormal(0f, 1f, new Shape(batch, 257, 384), DataType.FLOAT32);
            try (AdamW opt = AdamW.builder(vit.params()).lr(1e-4).weightDecay(0.05).build()) {
                refTrain = batch / median(() -> {
                    try (NDManager s = base.newSubManager(); GradTape tape = vit.params().record()) {
                        x.tempAttach(s);
                        NDArray loss = vit.forward(x, false).xNorm().mul(r).sum();
                        tape.backward(loss);
                        opt.step(tape.gradients());
                    }
                });
            }
            NDArray one = base.randomNormal(0f, 1f, new Shape(1, 3, 224, 224), DataType.FLOAT32);
            refForward = 1 / median(() -> {
                try (NDManager s = base.newSubManager()) {
                    one.tempAttach(s);
                    vit.forward(one, false).xNorm().getFloat(0, 0, 0);
                }
            });
        }
        o.put("reference", "dinov2-small ViT-S/14 @224").put("reference_train_images_per_s", refTrain)
                .put("reference_forward_images_per_s", refForward);
        if (!json) {
            out.printf("reference ViT-S/14 @224 (random weights): training step %.2f images/s, forward %.2f images/s (batch %d, %d threads)%n",
                    refTrain, refForward, batch, JniUtils.getNumThreads());
        }
        ArrayNode rows = o.putArray("presets");
        for (String p : presets) {
            ZeroSegConfig cfg = ZeroSegConfig.preset(p.strip(), embed);
            double train;
            double forward;
            long params;
            try (NDManager base = NDManager.newBaseManager(); ZeroSegModel m = new ZeroSegModel(cfg, 1, base)) {
                params = m.params().count(false);
                SeededRandom rng = new SeededRandom(3);
                int s = cfg.inputSize();
                int n = cfg.patches();
                int v = cfg.visible();
                NDArray x = base.randomNormal(0f, 1f, new Shape(batch, 3, s, s), DataType.FLOAT32);
                NDArray teach = ZeroSegLosses.normalize(base.randomNormal(0f, 1f, new Shape(batch, MultiScaleViews.COUNT, embed), DataType.FLOAT32));
                int[][] keep = new int[batch][];
                float[] masked = new float[batch * n];
                Arrays.fill(masked, 1f);
                for (int b = 0; b < batch; b++) {
                    keep[b] = Arrays.copyOf(rng.permutation(n), v);
                    Arrays.sort(keep[b]);
                    for (int k : keep[b]) {
                        masked[b * n + k] = 0f;
                    }
                }
                NDArray mask = base.create(masked, new Shape(batch, n));
                NDArray[] gumbel = {base.randomNormal(new Shape(batch, cfg.groupTokens1(), v)),
                        base.randomNormal(new Shape(batch, cfg.groupTokens2(), cfg.groupTokens1()))};
                try (AdamW opt = AdamW.builder(m.params()).lr(1e-4).weightDecay(0.05).betas(0.9, 0.95).build()) {
                    train = batch / median(() -> {
                        try (NDManager sc = base.newSubManager(); GradTape tape = m.params().record()) {
                            x.tempAttach(sc);
                            NDArray[] l = ZeroSegJob.losses(m, x, keep, gumbel, teach, mask);
                            tape.backward(l[0].add(l[1]).add(l[2]));
                            opt.step(tape.gradients());
                        }
                    });
                }
                NDArray one = base.randomNormal(0f, 1f, new Shape(1, 3, s, s), DataType.FLOAT32);
                forward = 1 / median(() -> {
                    try (NDManager sc = base.newSubManager()) {
                        one.tempAttach(sc);
                        ZeroSegModel.segmentOfPatch(m.forward(one, null, null));
                    }
                });
            }
            ObjectNode row = rows.addObject();
            row.put("preset", p).put("input", cfg.inputSize()).put("width", cfg.width()).put("depth", cfg.depth()).put("parameters", params)
                    .put("train_images_per_s", train).put("forward_images_per_s", forward)
                    .put("train_ratio_to_reference", train / refTrain).put("forward_ratio_to_reference", forward / refForward);
            if (!json) {
                out.printf("zeroseg %-7s (%d px, width %d, depth %d, %.1fM parameters): training step %.2f images/s (%.2f× ViT-S), "
                        + "pre-label forward %.2f images/s (%.2f× ViT-S)%n", p, cfg.inputSize(), cfg.width(), cfg.depth(), params / 1e6,
                        train, train / refTrain, forward, forward / refForward);
            }
        }
        if (json) {
            out.println(o);
        } else {
            out.println("random weights: throughput only, quality means nothing (the paper: 40.8 mIoU zero-shot on PASCAL VOC with real CLIP weights)");
        }
        return 0;
    }

    /** Median seconds of {@code runs} calls after one warm-up call. */
    private double median(Runnable r) {
        r.run();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }
}
