package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.DdepTrainer;
import org.scribbleseg.engine.train.ProjectLabels;
import org.scribbleseg.engine.train.TorchThreads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg pretrain <project> --method ddep [--budget 30m] [--resume RUN]}: learns from the project's own
 * images, no labels needed. DDeP: a decoder over the project's backbone is denoising-pretrained for the budget
 * (checkpointed to {@code models/<run>/pretrained.safetensors} every ~2 minutes; {@code --resume <run>} continues
 * it), then, when the project has labels, fine-tuned on them into {@code models/<run>/decoder.safetensors}. The run
 * is recorded in the project's run table.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain on the project's own images (no labels): ddep = a denoising-pretrained decoder over the"
                + " backbone, then fine-tuned on the project's labels.")
public final class PretrainCommand implements Callable<Integer> {
    static final String PRETRAINED = "pretrained.safetensors";
    static final String DECODER = "decoder.safetensors";
    private static final long CHECKPOINT_NANOS = 120_000_000_000L;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Option(names = "--method", required = true, description = "ddep (simmim: not built yet).")
    String method;

    @Option(names = "--budget", defaultValue = "30m", converter = Budget.Converter.class,
            description = "Wall-time budget of the pretraining (90s, 5m, 1h30m). Default ${DEFAULT-VALUE}.")
    Budget budget;

    @Option(names = "--resume", paramLabel = "RUN", description = "Continue the pretraining of run RUN (models/RUN/).")
    String resume;

    @Option(names = "--backbone", description = "Backbone under the decoder (default: the project's setting, else classic).")
    String backbone;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu (auto = cpu; GPU training comes with the heavy worker). Default ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--ft-steps", defaultValue = "300", description = "Fine-tuning steps on the labels after pretraining (0: none). Default ${DEFAULT-VALUE}.")
    int ftSteps;

    @Option(names = "--threads", defaultValue = "1", description = "libtorch intra-op threads. Default ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--seed", defaultValue = "3", description = "Seed of the weights and of every draw. Default ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String m = method.strip().toLowerCase(Locale.ROOT);
        if (m.equals("simmim")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--method simmim is not built yet (ddep is)");
        }
        if (!m.equals("ddep")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--method must be ddep or simmim, not '" + method + "'");
        }
        String dev = device.strip().toLowerCase(Locale.ROOT);
        if (!dev.equals("cpu") && !dev.equals("auto")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device " + device
                    + ": pretraining runs on the CPU here (cpu or auto)");
        }
        if (ftSteps < 0 || threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ft-steps must be >= 0 and --threads >= 1");
        }
        TorchThreads.set(threads);
        try (ProjectStore store = ProjectOptions.open(project)) {
            String bbName = backbone != null ? backbone
                    : store.setting(Engine.BACKBONE_SETTING).orElse(Backbones.CLASSIC);
            String runId = resume != null ? resume
                    : "ddep-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
            Path dir = store.modelsDir().resolve(runId);
            if (resume != null && !Files.isRegularFile(dir.resolve(PRETRAINED))) {
                throw new ProjectException("no run '" + resume + "' to resume (no " + dir.resolve(PRETRAINED) + ")");
            }
            List<RgbImage> images = new ArrayList<>();
            for (ImageEntry e : store.images()) {
                images.add(ImageLoader.load(store.resolve(e)));
            }
            if (images.isEmpty()) {
                throw new ProjectException("the project has no images to pretrain on");
            }
            Files.createDirectories(dir);
            DdepTrainer.Config cfg = DdepTrainer.Config.defaults().withSeed(seed);
            try (Backbone bb = Backbones.forSetting(bbName);
                    DdepTrainer t = resume != null ? DdepTrainer.resume(bb, cfg, dir.resolve(PRETRAINED))
                            : new DdepTrainer(bb, cfg)) {
                if (t.classValues() != null) {
                    throw new ProjectException("run '" + runId + "' is fine-tuned already; start a new run");
                }
                if (resume == null) {
                    t.fitFeatureStats(images);
                }
                out.printf("ddep run %s: %s pretraining on %d images with %s, budget %s, from step %d%n",
                        runId, resume != null ? "resuming" : "starting", images.size(), bb.key(), budget,
                        t.pretrainSteps());
                long t0 = System.nanoTime();
                long[] lastSave = {t0};
                long before = t.pretrainSteps();
                double[] lastLoss = {Double.NaN};
                t.pretrainFor(images, budget.nanos(), Long.MAX_VALUE, 10, (step, loss, sec) -> {
                    lastLoss[0] = loss;
                    out.printf("  step %d: denoising MSE %.4f, %.1f s, %.2f images/s%n", step, loss, sec,
                            (step - before) / sec);
                    out.flush();
                    if (System.nanoTime() - lastSave[0] > CHECKPOINT_NANOS) {
                        save(t, dir.resolve(PRETRAINED));
                        lastSave[0] = System.nanoTime();
                    }
                });
                double sec = (System.nanoTime() - t0) / 1e9;
                save(t, dir.resolve(PRETRAINED));
                long steps = t.pretrainSteps() - before;
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("pretrain_steps", t.pretrainSteps());
                metrics.put("pretrain_seconds", Math.round(sec * 10) / 10.0);
                metrics.put("images_per_s", Math.round(steps / sec * 100) / 100.0);
                metrics.put("denoising_mse", lastLoss[0]);
                out.printf("pretrained %d steps in %.1f s (%.2f images/s) -> %s%n", steps, sec, steps / sec,
                        dir.resolve(PRETRAINED));
                List<DdepTrainer.Labelled> labelled = ProjectLabels.labelled(store, e -> {
                    try {
                        return ImageLoader.load(store.resolve(e));
                    } catch (RuntimeException ex) {
                        throw ex;
                    } catch (Exception ex) {
                        throw new ProjectException("cannot read " + e.path() + ": " + ex.getMessage());
                    }
                });
                int[] classes = ProjectLabels.classValues(store);
                if (ftSteps > 0 && !labelled.isEmpty() && classes.length >= 2) {
                    t.startFineTune(classes);
                    double ce = Double.NaN;
                    long f0 = System.nanoTime();
                    for (int i = 0; i < ftSteps; i++) {
                        double l = t.fineTuneStep(labelled);
                        ce = Double.isNaN(ce) ? l : 0.9 * ce + 0.1 * l;
                    }
                    save(t, dir.resolve(DECODER));
                    metrics.put("finetune_steps", ftSteps);
                    metrics.put("finetune_ce", ce);
                    metrics.put("finetune_seconds", Math.round((System.nanoTime() - f0) / 1e8) / 10.0);
                    out.printf("fine-tuned on %d labelled images, %d steps, CE %.4f -> %s%n", labelled.size(), ftSteps,
                            ce, dir.resolve(DECODER));
                } else {
                    out.println("no fine-tuning (the project has no labels yet, or --ft-steps 0)");
                }
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("method", "ddep");
                config.put("sigma", cfg.sigma());
                config.put("lr", cfg.lr());
                config.put("crop", cfg.crop());
                config.put("budget_s", budget.seconds());
                config.put("seed", seed);
                config.put("threads", threads);
                ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                Map<String, Object> runJson = new LinkedHashMap<>();
                runJson.put("id", runId);
                runJson.put("kind", "ddep");
                runJson.put("backbone", bb.key());
                runJson.put("device", "cpu");
                runJson.put("config", config);
                runJson.put("metrics", metrics);
                runJson.put("data_revision", store.revision());
                Files.writeString(dir.resolve("run.json"), om.writeValueAsString(runJson));
                store.saveRun(runId, "ddep", bb.key(), om.writeValueAsString(config), om.writeValueAsString(metrics),
                        store.revision());
            }
        }
        out.flush();
        return 0;
    }

    private static void save(DdepTrainer t, Path file) {
        try {
            t.save(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
