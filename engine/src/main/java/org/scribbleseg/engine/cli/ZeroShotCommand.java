package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.ZeroShotLabeler;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.zeroseg.ClipModels;
import org.scribbleseg.engine.zeroseg.PreLabels;
import org.scribbleseg.engine.zeroseg.ZeroSegJob;
import org.scribbleseg.engine.zeroseg.ZeroSegLabeler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg zeroshot <project> [--method maskclip|zeroseg] [--model ...] [--train [--iters N | --budget 30m]
 * [--device ...]] [--threshold t] [--out dir]}: zero-shot pre-labels from the project's class names/concepts for
 * every image, saved as prediction run {@value #RUN_ID} (MaskCLIP) or {@value ZeroSegLabeler#RUN_ID} (ZeroSeg), and
 * optionally as palette PNGs. ZeroSeg first trains (--train, in a worker process, on the project's images, no labels)
 * or uses the project's latest ZeroSeg run.
 */
@Command(name = "zeroshot", mixinStandardHelpOptions = true,
        description = {"Zero-shot pre-labels from the class names/concepts, saved as predictions the live head trains on.",
                "maskclip: CLIP's dense patch embeddings against the class prompts (no training).",
                "zeroseg: segment tokens distilled from CLIP on this project's images (--train first; no labels used)."})
public final class ZeroShotCommand implements Callable<Integer> {
    public static final String RUN_ID = ZeroShotLabeler.RUN_ID;
    public static final String DEFAULT_MODEL = ClipModels.DEFAULT_MODEL;
    static final String NOT_INSTALLED = ClipModels.NOT_INSTALLED;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<project>", description = "project (.sseg folder, or a folder holding one)")
    Path project;

    @Option(names = "--method", defaultValue = "maskclip", description = "maskclip or zeroseg (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--model", paramLabel = "<dir or name>",
            description = "CLIP model folder, or the name of an installed model (default: " + DEFAULT_MODEL
                    + "; for zeroseg without --train: the teacher of the run)")
    String model;

    @Option(names = "--threshold", description = "maskclip: minimum confidence, below it pixels are void (default 0.9); "
            + "zeroseg: background below min(threshold, the image's best segment) (default 0.95)")
    Float threshold;

    @Option(names = "--resolution", defaultValue = "448", description = "maskclip: long side fed to CLIP (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--temperature", defaultValue = "100", description = "maskclip: softmax scale on cosines (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--train", description = "zeroseg: train a new run on the project's images first (in a worker process)")
    boolean train;

    @Option(names = "--iters", description = "zeroseg --train: training steps (default: the recipe's, 5000 on a GPU, 600 on the CPU)")
    Long iters;

    @Option(names = "--budget", converter = Budget.Converter.class,
            description = "zeroseg --train: stop after this much time at the latest (e.g. 30m, 1h; the recipe's steps otherwise) and label with the model so far")
    Budget budget;

    @Option(names = "--preset", description = "zeroseg --train: default (GPU), cpu (reduced CPU recipe) or tiny (default: by device)")
    String preset;

    @Option(names = "--seed", defaultValue = "0", description = "zeroseg --train: seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--run", description = "zeroseg without --train: the run to label with (default: the latest ZeroSeg run)")
    String run;

    @CommandLine.Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--out", description = "also write palette PNGs here")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        boolean zeroseg = switch (method) {
            case "maskclip" -> false;
            case "zeroseg" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--method must be maskclip or zeroseg, not '" + method + "'");
        };
        float thr = threshold != null ? threshold : zeroseg ? ZeroSegLabeler.DEFAULT_THRESHOLD : 0.9f;
        if (thr < 0 || thr > 1 || resolution < 16 || !(temperature > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--threshold must be in [0, 1], --resolution >= 16, --temperature > 0");
        }
        if (!zeroseg && (train || iters != null || budget != null || preset != null || run != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--train, --iters, --budget, --preset and --run are for --method zeroseg");
        }
        if ((iters != null || budget != null || preset != null) && !train) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iters, --budget and --preset need --train");
        }
        if (iters != null && budget != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --iters or --budget, not both");
        }
        if (zeroseg) {
            return zeroSeg(err, thr);
        }
        Path dir = resolveModel(model == null ? DEFAULT_MODEL : model);
        if (dir == null) {
            err.println("error: " + NOT_INSTALLED);
            return 1;
        }
        try (ProjectStore store = ProjectOptions.open(project);
                ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(resolution, temperature, thr))) {
            z.setClasses(store.classes());
            report(PreLabels.writeAll(store, RUN_ID, z::label, out, progress(err)), thr, RUN_ID);
        }
        return 0;
    }

    private int zeroSeg(PrintWriter err, float thr) throws Exception {
        try (Engine engine = Engine.open(ProjectOptions.locate(project))) {
            engine.setLiveUpdate(false);
            RunRecord r;
            Path teacher;
            if (train) {
                teacher = resolveModel(model == null ? DEFAULT_MODEL : model);
                if (teacher == null) {
                    err.println("error: " + NOT_INSTALLED);
                    return 1;
                }
                ObjectNode cfg = new ObjectMapper().createObjectNode();
                cfg.put("teacher", teacher.toAbsolutePath().toString());
                cfg.put("seed", seed);
                if (preset != null) {
                    cfg.put("preset", preset);
                }
                if (iters != null) {
                    cfg.put("steps", iters);
                }
                String dev = device.device == null ? "auto" : device.device;
                r = HeavyTrain.runAndWait(engine, ZeroSegJob.METHOD, cfg, dev, null, budget == null ? 0 : budget.seconds(), err);
                spec.commandLine().getOut().printf("trained zeroseg run %s: %d steps on %s%n", r.id(), r.step(), r.device());
            } else {
                r = ZeroSegLabeler.run(engine.store(), run);
                teacher = model != null ? resolveModel(model) : ZeroSegLabeler.teacherOf(r);
                if (teacher == null || !ClipModels.complete(teacher)) {
                    err.println("error: " + NOT_INSTALLED);
                    return 1;
                }
            }
            PreLabels.Summary s = ZeroSegLabeler.labelProject(engine.store(), r, teacher, thr, out, progress(err));
            report(s, thr, ZeroSegLabeler.RUN_ID + " (model: run " + r.id() + ", step " + r.step() + ")");
        }
        return 0;
    }

    private static TaskMonitor progress(PrintWriter err) {
        return TaskMonitor.lines(err::println);
    }

    private void report(PreLabels.Summary s, float thr, String what) {
        spec.commandLine().getOut().printf("zero-shot labelled %d images (%.1f%% of pixels labelled, threshold %.2f) in %.1f s as run %s%s%n",
                s.images(), 100.0 * s.labelledShare(), thr, s.seconds(), what, out == null ? "" : " -> " + out);
    }

    /** A folder with the CLIP files, or an installed model of that name; null when neither has the weights. */
    static Path resolveModel(String spec) {
        return ClipModels.resolve(spec).orElse(null);
    }
}
