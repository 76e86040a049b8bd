package org.scribbleseg.engine.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.heavy.SimMimJob;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.util.FileTrees;

/** {@code bench effort --pretrain simmim}: the SimMIM job run in this process on the benchmark's unlabelled images. */
final class SimMimBench {
    private SimMimBench() {
    }

    /**
     * Trains a default-shape SimMIM ViT on {@code images} for {@code budget} (the step count measured at the start,
     * as the worker does) and returns it as a backbone; {@code info} gets steps, wall time and images/s.
     */
    static Backbone train(List<RgbImage> images, Budget budget, long seed, Path dir, Consumer<String> log,
            Map<String, Object> info) throws Exception {
        Path runDir = dir != null ? dir : Files.createTempDirectory("scribbleseg-simmim-bench");
        java.util.Optional<Checkpoint> done = Checkpoint.latest(runDir);
        if (done.isPresent()) {
            // an earlier benchmark's run: the same ViT for another curve (e.g. simmim+ddep after simmim)
            info.put("simmim", Map.of("reused", runDir.toString(), "steps", done.get().step()));
            log.accept("simmim: reusing the run in " + runDir + " (step " + done.get().step() + ")");
            return SimMimJob.backbone(done.get(), "project-vit-bench", 0);
        }
        try {
            ObjectNode cfg = new ObjectMapper().createObjectNode().put("seed", seed).put("budget_s", Math.max(1, budget.seconds()));
            long t0 = System.nanoTime();
            try (SimMimJob job = new SimMimJob()) {
                job.init(new HeavyContext(cfg, null, runDir, Device.cpu()), images);
                long total = job.totalSteps();
                long tStart = System.nanoTime();
                log.accept(String.format("simmim: %d images, ViT %s (%,d parameters), %d steps of %d views for budget %s"
                        + " (%.1f s to set up)", job.imageCount(), job.shape(), job.parameterCount(), total,
                        job.shape().batch(), budget, (tStart - t0) / 1e9));
                double first = job.evaluate().get("masked_l1");
                double ema = Double.NaN;
                long every = Math.max(1, total / 20);
                long s0 = 0;
                for (long s = 0; s < job.totalSteps(); s++) {
                    if (job.totalSteps() != total) {
                        log.accept(String.format("  simmim: %d steps fit the budget (measured at step %d)", job.totalSteps(), s));
                        total = job.totalSteps();
                        every = Math.max(1, total / 20);
                    }
                    s0 = s + 1;
                    double l = job.step(s);
                    ema = Double.isNaN(ema) ? l : 0.9 * ema + 0.1 * l;
                    if ((s + 1) % every == 0 || s + 1 == total) {
                        double sec = (System.nanoTime() - tStart) / 1e9;
                        log.accept(String.format("  simmim step %d/%d: masked L1 %.4f (ema), %.1f s, %.2f images/s", s + 1,
                                total, ema, sec, (s + 1) * job.shape().batch() / sec));
                    }
                }
                total = s0;
                double sec = (System.nanoTime() - tStart) / 1e9;
                double last = job.evaluate().get("masked_l1");
                Checkpoint.Writer w = new Checkpoint.Writer();
                job.save(w);
                w.write(runDir, total);
                log.accept(String.format("simmim: masked L1 on fixed views %.4f -> %.4f; %.1f s training, %.2f images/s",
                        first, last, sec, total * job.shape().batch() / sec));
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("images", job.imageCount());
                m.put("budget_s", budget.seconds());
                m.put("steps", total);
                m.put("batch", job.shape().batch());
                m.put("parameters", job.parameterCount());
                m.put("wall_s", Math.round(sec * 10) / 10.0);
                m.put("images_per_s", Math.round(total * job.shape().batch() / sec * 100) / 100.0);
                m.put("masked_l1_before", Math.round(first * 10000) / 10000.0);
                m.put("masked_l1_after", Math.round(last * 10000) / 10000.0);
                m.put("first_loss", job.losses().get(0));
                m.put("last_loss_mean10", job.losses().subList(Math.max(0, job.losses().size() - 10), job.losses().size())
                        .stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
                if (dir != null) {
                    m.put("preview", runDir.resolve(SimMimJob.PREVIEW).toString());
                }
                info.put("simmim", m);
            }
            return SimMimJob.backbone(runDir, "project-vit-bench", 0);
        } finally {
            if (dir == null) {
                FileTrees.delete(runDir);
            }
        }
    }
}
