package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.eval.EffortBenchmark;
import org.scribbleseg.engine.eval.LabeledImage;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.eval.VocDataset;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.model.ModelStoreException;
import org.scribbleseg.engine.train.WeakLabelHead;
import org.scribbleseg.engine.util.FileTrees;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench effort}: annotation effort vs mIoU with a simulated annotator (see {@link EffortBenchmark}), on
 * synthetic scenes (default) or a VOC-layout dataset ({@code --voc}: annotates the train split, scores the val
 * split). Meant to sit under a {@code bench} parent command.
 */
@Command(name = "effort", mixinStandardHelpOptions = true,
        description = "Effort vs accuracy: simulated scribbles/points/tags + corrections, live head, mIoU per step.")
public final class BenchEffortCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenes", defaultValue = "8", description = "Training images (synthetic scenes, or images taken evenly from the VOC train split). Default ${DEFAULT-VALUE}.")
    int scenes;

    @Option(names = "--val", defaultValue = "8", description = "Held-out images (synthetic, or evenly from the VOC val split; 0 = all). Default ${DEFAULT-VALUE}.")
    int val;

    @Option(names = "--strategy", defaultValue = "scribble", description = "scribble | point | tags. Default ${DEFAULT-VALUE}.")
    String strategy;

    /** Input resolution of a DINOv2 backbone named without {@code @<res>}: modest, so CPU runs take minutes. */
    static final int DEFAULT_VIT_RESOLUTION = 224;

    @Option(names = "--backbone", defaultValue = "classic", description = {
        "classic | <installed DINOv2 model>[@<res>] (e.g. dinov2-small@224) | dinov2-<size>-random[@<res>]:"
            + " the real ViT shape with seeded random weights, a smoke test only (proves nothing about quality).",
        "DINOv2 resolution default: " + DEFAULT_VIT_RESOLUTION + ". Default ${DEFAULT-VALUE}."})
    String backbone;

    @Option(names = "--stride", defaultValue = "4", description = "Classic backbone stride. Default ${DEFAULT-VALUE}.")
    int stride;

    @Option(names = "--voc", description = "VOC-layout dataset folder (JPEGImages, SegmentationClass, ImageSets/Segmentation).")
    Path voc;

    @Option(names = "--realdata", description = "Shortcut: the dataset <name> under ../shared/realdata (relative to the working directory), e.g. camvid-val-voc.")
    String realdata;

    @Option(names = "--background", defaultValue = "0", description = "Background label value for tag CAMs (-1: none). Default ${DEFAULT-VALUE}.")
    int background;

    @Option(names = "--steps", defaultValue = "5", description = "Steps: first pass + corrections. Default ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--classes", defaultValue = "5", description = "Synthetic classes (incl. background 0). Default ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--size", defaultValue = "256", description = "Synthetic scene side, pixels. Default ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--head-steps", defaultValue = "10", description = "L-BFGS iterations per warm retrain. Default ${DEFAULT-VALUE}.")
    int headSteps;

    @Option(names = "--cold-steps", defaultValue = "50", description = "L-BFGS iterations of the first (cold) training. Default ${DEFAULT-VALUE}.")
    int coldSteps;

    @Option(names = "--class-balanced", description = "Class-balanced loss weights.")
    boolean classBalanced;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for scenes and annotator. Default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--pretrain", description = {
        "Also train a heavier model on the dataset's own images first (both splits, no masks) and report its curve"
            + " next to the live head's: ddep (a DDeP decoder over the backbone, denoising-pretrained, then"
            + " fine-tuned on the labels after each step; it also places the corrections); simmim (a ViT learnt"
            + " from scratch with SimMIM becomes the backbone under the live head); simmim+ddep (both: the DDeP"
            + " decoder over the SimMIM ViT; each pretraining gets the budget)."})
    String pretrain;

    @Option(names = "--budget", defaultValue = "5m", converter = Budget.Converter.class,
            description = "Wall-time budget of the pretraining (e.g. 90s, 5m; 0 = none: the decoder starts from"
                    + " random weights). Default ${DEFAULT-VALUE}.")
    Budget budget;

    @Option(names = "--ft-steps", defaultValue = "100,40", split = ",",
            description = "Decoder fine-tuning steps at the first step, and at each later step. Default ${DEFAULT-VALUE}.")
    int[] ftSteps;

    @Option(names = "--head-init", defaultValue = "follow", description = "How the DDeP decoder's classifier starts:"
            + " follow (its logits are the live head's plus a learnt correction, the head retrained at each step) or"
            + " none (a class head from scratch, plain DDeP). Default ${DEFAULT-VALUE}.")
    String headInit;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads for training (0 = libtorch's default; 1 is fastest on a busy box). Default ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--json", description = "Print JSON: {backbone, weights (random|installed|none), channels, strategy, steps: [{step, strokes, miou, loop_ms}]}.")
    boolean json;

    @Option(names = "--pretrain-dir", description = "Folder for the SimMIM run (checkpoint, reconstruction preview), kept; a folder that holds a finished run is reused instead of training again. Default: a temporary folder, removed at the end.")
    Path pretrainDir;

    private java.util.Map<String, Object> pretrainInfo = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String bbName = backbone.strip().toLowerCase(java.util.Locale.ROOT);
        if (!Backbones.CLASSIC.equals(bbName) && !bbName.startsWith("dinov2")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "backbone '" + backbone
                    + "' is not available to bench effort (classic, an installed dinov2 model, or dinov2-small-random)");
        }
        String pre = pretrain == null ? null : pretrain.strip().toLowerCase(java.util.Locale.ROOT);
        if (pre != null && !List.of("ddep", "simmim", "simmim+ddep").contains(pre)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pretrain must be ddep, simmim or simmim+ddep");
        }
        boolean simmim = pre != null && pre.startsWith("simmim");
        boolean withDdep = pre != null && pre.endsWith("ddep");
        if (simmim && !Backbones.CLASSIC.equals(bbName)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pretrain " + pre
                    + " replaces the backbone with the SimMIM ViT: leave --backbone at classic");
        }
        String init = headInit.strip().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("follow", "none").contains(init)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--head-init must be follow or none");
        }
        boolean follow = init.equals("follow");
        if (ftSteps.length != 2 || ftSteps[0] < 1 || ftSteps[1] < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ft-steps needs two counts, e.g. 100,40");
        }
        EffortBenchmark.Strategy strat;
        try {
            strat = EffortBenchmark.Strategy.valueOf(strategy.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--strategy must be scribble, point or tags");
        }
        Path dataset = voc;
        if (realdata != null) {
            dataset = Path.of("..", "shared", "realdata", realdata);
            if (!Files.isDirectory(dataset)) {
                throw new IllegalArgumentException("real data not found at " + dataset.toAbsolutePath().normalize());
            }
        }
        List<LabeledImage> train;
        List<LabeledImage> held;
        List<org.scribbleseg.engine.image.RgbImage> unlabelled = new java.util.ArrayList<>();
        int k;
        int minArea;
        if (dataset != null) {
            VocDataset ds = new VocDataset(dataset);
            if (pretrain != null) {
                for (String split : List.of("train", "val")) {
                    for (String id : ds.ids(split)) {
                        unlabelled.add(org.scribbleseg.engine.image.ImageLoader.load(
                                dataset.resolve("JPEGImages").resolve(id + ".jpg")));
                    }
                }
            }
            k = ds.classNames().size();
            train = ds.load("train", scenes);
            held = ds.load("val", val);
            LabeledImage first = train.get(0);
            minArea = Math.max(30, first.image().width() * first.image().height() / 2000);
            err.printf("dataset %s: %d classes, %d train, %d val images%n", dataset, k, train.size(), held.size());
        } else {
            SyntheticScenes gen = new SyntheticScenes(classes, seed);
            k = classes;
            train = named(gen.scenes(0, scenes, size, size), "train");
            held = named(gen.scenes(10_000, val, size, size), "val");
            minArea = 30;
            for (List<LabeledImage> l : List.of(train, held)) {
                l.forEach(im -> unlabelled.add(im.image()));
            }
            err.printf("synthetic: %d classes, %d train, %d val scenes of %dx%d%n", k, scenes, val, size, size);
        }
        WeakLabelHead.Config head = WeakLabelHead.Config.defaults().withSteps(headSteps, coldSteps)
                .withClassBalanced(classBalanced);
        EffortBenchmark.Config cfg = new EffortBenchmark.Config(strat, steps, k, background, minArea, seed, head);
        List<EffortBenchmark.Step> curve;
        String weights;
        String key;
        int channels;
        Path tmp = null;
        Backbone bb = null;
        try {
            if (Backbones.CLASSIC.equals(bbName)) {
                bb = new ClassicBackbone(stride);
                weights = "none (filter bank)";
            } else if (Backbones.isRandom(bbName)) {
                tmp = Files.createTempDirectory("scribbleseg-random-dinov2");
                bb = Backbones.randomDinov2(bbName, DEFAULT_VIT_RESOLUTION, seed, tmp);
                weights = "random";
                err.println("WARNING: " + bb.key() + " has seeded random weights (seed " + seed
                        + "): a smoke test of the pipeline, it proves nothing about quality");
            } else {
                try {
                    bb = Backbones.installedDinov2(bbName, DEFAULT_VIT_RESOLUTION);
                } catch (ModelStoreException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage()
                            + "; or use dinov2-small" + Backbones.RANDOM_SUFFIX + " for a smoke test with random weights");
                }
                weights = "installed";
            }
            java.util.function.Consumer<String> log = json ? err::println : out::println;
            if (pre != null) {
                pretrainInfo.put("method", pre);
            }
            if (threads > 0) {
                org.scribbleseg.engine.train.TorchThreads.set(threads);
            }
            if (simmim) {
                bb.close();
                bb = null;
                bb = SimMimBench.train(unlabelled, budget, seed, pretrainDir, log, pretrainInfo);
                weights = "SimMIM-trained here (" + budget + ")";
            }
            key = bb.key();
            channels = bb.channels();
            if (!withDdep) {
                curve = new EffortBenchmark(bb).run(train, held, cfg, log);
            } else {
                try (org.scribbleseg.engine.train.DdepTrainer ddep = new org.scribbleseg.engine.train.DdepTrainer(bb,
                        org.scribbleseg.engine.train.DdepTrainer.Config.defaults().withSeed(seed))) {
                    long t0 = System.nanoTime();
                    ddep.fitFeatureStats(unlabelled);
                    long steps = 0;
                    if (budget.seconds() > 0) {
                        steps = ddep.pretrainFor(unlabelled, budget.nanos(), Long.MAX_VALUE, 25, (st, all, msg) ->
                                log.accept("  ddep pretrain step " + st + ": " + msg));
                    }
                    double sec = (System.nanoTime() - t0) / 1e9;
                    java.util.Map<String, Object> d = pretrainInfo;
                    d.put("images", unlabelled.size());
                    d.put("budget_s", budget.seconds());
                    d.put("steps", steps);
                    d.put("wall_s", Math.round(sec * 10) / 10.0);
                    d.put("images_per_s", steps == 0 ? 0 : Math.round(steps / sec * 100) / 100.0);
                    d.put("crop", ddep.config().crop());
                    d.put("decoder_params", ddep.decoder().parameterCount());
                    d.put("head_init", init);
                    log.accept(String.format("ddep pretraining: %d steps on %d unlabelled images in %.1f s (budget %s)",
                            steps, unlabelled.size(), sec, budget));
                    curve = new EffortBenchmark(bb).run(train, held, cfg, log,
                            new org.scribbleseg.engine.eval.DdepRefiner(ddep, k, ftSteps[0], ftSteps[1], follow, log));
                }
            }
        } finally {
            if (bb != null) {
                bb.close();
            }
            if (tmp != null) {
                FileTrees.delete(tmp);
            }
        }
        if (json) {
            ObjectMapper om = new ObjectMapper();
            List<java.util.Map<String, Object>> rows = curve.stream().map(s -> {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("step", s.step());
                m.put("strokes", s.strokes());
                m.put("miou", Math.round(s.miou() * 10000) / 10000.0);
                m.put("loop_ms", Math.round(s.loopMs() * 10) / 10.0);
                if (!Double.isNaN(s.refinedMiou())) {
                    m.put("decoder_miou", Math.round(s.refinedMiou() * 10000) / 10000.0);
                    m.put("decoder_fit_s", Math.round(s.refineMs() / 100) / 10.0);
                }
                return m;
            }).toList();
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("backbone", key);
            doc.put("weights", weights);
            doc.put("channels", channels);
            doc.put("strategy", strat.name().toLowerCase(java.util.Locale.ROOT));
            doc.put("wall_s", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
            doc.put("steps", rows);
            if (!pretrainInfo.isEmpty()) {
                doc.put("pretrain", pretrainInfo);
            }
            out.println(om.writeValueAsString(doc));
        } else {
            out.printf("backbone %s, %d channels, weights %s; wall %.1f s%n", key, channels, weights,
                    (System.nanoTime() - start) / 1e9);
        }
        out.flush();
        return 0;
    }

    private static List<LabeledImage> named(List<SyntheticScenes.Scene> scenes, String prefix) {
        List<LabeledImage> out = new java.util.ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            out.add(new LabeledImage(prefix + i, scenes.get(i).image(), scenes.get(i).truth()));
        }
        return out;
    }
}
