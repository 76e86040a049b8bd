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
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.Suggestion;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.export.ExportSource;
import org.scribbleseg.engine.export.ImportedVoc;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.image.ImageLimits;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.export.VocImporter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.nn.SafetensorsWriter;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.LinearHead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The live head from the command line: train, predict, eval, suggest. Each trains on everything labelled first. */
public final class HeadCommands {
    private HeadCommands() {
    }

    /** Project argument and backbone option shared by the head commands. */
    public static final class ProjectAndBackbone {
        @Parameters(index = "0", description = "project folder")
        Path project;

        @Option(names = "--backbone", description = "classic (default: the project's setting, else classic), classic@s<stride>, an installed dinov2 model, or project-vit:<run> (the ViT a SimMIM run of this project trained).")
        String backbone;

        @Mixin
        DeviceOption device = new DeviceOption();

        /**
         * Opens the project. An explicit --backbone that cannot be honoured is an error naming the installed choices;
         * only the project's own setting may fall back to the classic bank, with a warning on {@code err}.
         */
        Engine open(PrintWriter err) {
            device.apply(err);
            Path p = ProjectOptions.locate(project);
            org.scribbleseg.engine.feature.Backbone b;
            if (backbone != null) {
                Path models = null;
                if (Backbones.isProjectVit(backbone)) {
                    try (ProjectStore s = ProjectStore.open(p)) {
                        models = s.modelsDir();
                    }
                }
                b = Backbones.explicit(backbone, models);
            } else {
                String setting;
                Path models;
                try (ProjectStore s = ProjectStore.open(p)) {
                    ProjectOptions.printNotices(s, err); // a schema upgrade happens here, a read-only project says so
                    setting = s.setting(Engine.BACKBONE_SETTING).orElse(Backbones.CLASSIC);
                    models = s.modelsDir();
                }
                try {
                    b = Backbones.explicit(setting, models);
                } catch (ProjectException e) {
                    err.println("warning: the project's backbone is not available here (" + e.getMessage()
                            + "); using the classic filter bank");
                    b = Backbones.explicit(Backbones.CLASSIC);
                }
            }
            return Engine.open(p, b);
        }

        /** Trains on everything labelled; images left out (changed files, over the pixel limit) are named on {@code err}. */
        LinearHead train(Engine engine, PrintWriter err) throws Exception {
            List<org.scribbleseg.engine.project.ImageIntegrity.Problem> problems = engine.checkImages();
            if (!problems.isEmpty()) {
                err.println("warning: left out of training: " + Engine.describeProblems(problems));
            }
            long max = engine.maxPixels();
            for (ImageEntry e : engine.oversized()) {
                err.println("warning: left out of training and prediction: " + engine.store().resolve(e) + " is "
                        + ImageLimits.reason(e.width(), e.height(), max));
            }
            if (!engine.trainNow()) {
                throw new ProjectException("nothing is labelled yet: draw scribbles, click points, tag images or import masks first");
            }
            return engine.head().orElseThrow();
        }
    }

    /**
     * The images {@code names} name: an id, a file stem or a path ending. A name that fits several images is an error
     * listing them (use the id or more of the path).
     */
    static List<ImageEntry> select(ProjectStore s, List<String> names) {
        List<ImageEntry> all = s.images();
        if (names == null || names.isEmpty()) {
            return all;
        }
        List<ImageEntry> out = new ArrayList<>();
        for (String n : names) {
            List<ImageEntry> byId = all.stream().filter(x -> Long.toString(x.id()).equals(n)).toList();
            List<ImageEntry> hits = !byId.isEmpty() ? byId
                    : all.stream().filter(x -> x.path().equals(n) || x.path().endsWith("/" + n)).toList();
            if (hits.isEmpty()) {
                hits = all.stream().filter(x -> x.stem().equals(n)).toList();
            }
            if (hits.isEmpty()) {
                throw new ProjectException("no image named '" + n + "' in the project");
            }
            if (hits.size() > 1) {
                throw new ProjectException("'" + n + "' names " + hits.size() + " images: " + String.join(", ",
                        hits.stream().map(x -> x.path() + " (id " + x.id() + ")").toList()) + "; give the id or the file name");
            }
            out.add(hits.get(0));
        }
        return out;
    }

    @Command(name = "train", description = "Train the live head on every label of the project and save it under models/.")
    public static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ProjectAndBackbone pb;

        @Option(names = "--method", defaultValue = "head", description = "head (the live head, default) or a heavy method run in a worker process: ${COMPLETION-CANDIDATES}",
                completionCandidates = HeavyTrain.Methods.class)
        String method;

        @Option(names = {"--steps", "--iters"}, description = "heavy methods: optimisation steps (semivl default: 80 epochs over the unlabelled images, capped by --budget)")
        Long steps;

        @Option(names = "--model", paramLabel = "<dir or name>", description = "semivl: CLIP model folder, or the name of an installed model (default: "
                + ZeroShotCommand.DEFAULT_MODEL + ")")
        String model;

        @Option(names = "--crop", description = "semivl: training crop in pixels, a multiple of 16 (default: 512 on a GPU, 224 on the CPU)")
        Integer crop;

        @Option(names = "--budget", paramLabel = "SECONDS", description = "semivl: time budget that caps the default number of steps (default 3600)")
        Double budget;

        @Option(names = "--seed", description = "heavy methods: random seed (default 0)")
        Long seed;

        @Option(names = "--checkpoint-every", description = "heavy methods: checkpoint every N steps (default: every 2 minutes of work)")
        Integer checkpointEvery;

        @Option(names = "--set", description = "heavy methods: config key=value (repeatable), e.g. --set lr=0.005 --set size=48")
        List<String> set;

        @Option(names = "--resume", description = "continue this heavy run from its newest checkpoint (its method and config are kept)")
        String resume;

        @Override
        public Integer call() throws Exception {
            if (resume != null || !"head".equals(method)) {
                List<String> extra = new java.util.ArrayList<>(set == null ? List.of() : set);
                if (resume == null && "semivl".equals(method)) {
                    String m = model == null ? ZeroShotCommand.DEFAULT_MODEL : model;
                    Path dir = ZeroShotCommand.resolveModel(m);
                    if (dir == null) {
                        throw new ProjectException("no CLIP model at '" + m + "': give a folder with config.json, model.safetensors, "
                                + "vocab.json and merges.txt, or install one (scribbleseg models download " + ZeroShotCommand.DEFAULT_MODEL + ")");
                    }
                    extra.add(0, "model=" + dir.toAbsolutePath());
                }
                if (crop != null) {
                    extra.add("crop=" + crop);
                }
                if (budget != null) {
                    extra.add("budget_seconds=" + budget);
                }
                return new HeavyTrain(spec, pb, method, steps, seed, checkpointEvery, extra, resume).run();
            }
            try (Engine engine = pb.open(spec.commandLine().getErr())) {
                long t0 = System.nanoTime();
                LinearHead head = pb.train(engine, spec.commandLine().getErr());
                double secs = (System.nanoTime() - t0) / 1e9;
                String runId = "head-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
                Path dir = engine.store().modelsDir().resolve(runId);
                Files.createDirectories(dir);
                new SafetensorsWriter()
                        .put("class_values", new long[] {head.numClasses()}, java.util.Arrays.stream(head.classValues()).asLongStream().toArray())
                        .put("mean", new long[] {head.channels()}, head.mean())
                        .put("std", new long[] {head.channels()}, head.std())
                        .put("weight", new long[] {head.numClasses(), head.channels()}, head.weights())
                        .put("bias", new long[] {head.numClasses()}, head.bias())
                        .metadata("backbone", engine.backboneKey())
                        .write(dir.resolve("head.safetensors"));
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("id", runId);
                run.put("kind", "weak-label-head");
                run.put("backbone", engine.backboneKey());
                run.put("data_revision", engine.store().revision());
                run.put("classes", head.numClasses());
                run.put("channels", head.channels());
                run.put("train_seconds", secs);
                String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(run);
                Files.writeString(dir.resolve("run.json"), json);
                engine.store().saveRun(runId, "weak-label-head", engine.backboneKey(), "{}", json, engine.store().revision());
                spec.commandLine().getOut().printf("trained %d-class head on %s features in %.2f s -> %s%n", head.numClasses(),
                        engine.backboneKey(), secs, dir);
            }
            return 0;
        }
    }

    @Command(name = "predict", description = "Predict masks (palette PNG) and confidence maps (grey PNG) with the live head.")
    public static final class Predict implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ProjectAndBackbone pb;

        @Option(names = "--images", split = ",", description = "image names (file stems) or ids; default: all")
        List<String> images;

        @Option(names = "--out", description = "output folder (default: <project>/exports/predictions-<time>)")
        Path out;

        @Option(names = "--run", paramLabel = "RUN", description = "predict with the model of this finished heavy run (e.g. a semivl run) instead of the live head; the masks are stored as the run's predictions")
        String run;

        @Override
        public Integer call() throws Exception {
            try (Engine engine = pb.open(spec.commandLine().getErr())) {
                org.scribbleseg.engine.predict.Predictor runModel = null;
                if (run != null) {
                    var rec = engine.store().run(run).orElseThrow(() -> new ProjectException("no run '" + run + "' in this project"));
                    runModel = org.scribbleseg.engine.heavy.RunPredictor.of(rec, engine::loadImage).orElseThrow(() -> new ProjectException(
                            "run " + run + " (" + rec.method() + ", " + rec.state() + ") has no model that can predict: it must have finished"));
                }
                LinearHead head = runModel != null ? null : pb.train(engine, spec.commandLine().getErr());
                Path dir = out != null ? out : engine.store().exportsDir().resolve("predictions-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
                Files.createDirectories(dir);
                List<ImageEntry> sel = select(engine.store(), images);
                PrintWriter err = spec.commandLine().getErr();
                // the export's naming: safe, unique (good.jpg and good.png → good, good_2), short enough
                Map<Long, String> names = VocExporter.assignIds(sel.stream()
                        .map(e -> ExportSource.Item.of(e, engine.store().resolve(e), false)).toList());
                int done = 0;
                List<String> skipped = new ArrayList<>();
                for (ImageEntry e : sel) {
                    String name = names.get(e.id());
                    Prediction p;
                    try {
                        p = runModel != null ? runModel.predict(e, true) : engine.predict(head, e, true);
                    } catch (ProjectException | OutOfMemoryError ex) {
                        // one image that cannot be processed (too large, unreadable) does not stop the others
                        String why = ex instanceof OutOfMemoryError ? "not enough memory for an image of " + e.width() + "x"
                                + e.height() + " (" + ImageLimits.megapixels(e.width(), e.height()) + ")" : ex.getMessage();
                        err.printf("skipped %s: %s%n", engine.store().resolve(e), why);
                        skipped.add(e.stem());
                        continue;
                    }
                    PalettePng.write(p.labels(), dir.resolve(name + ".png"));
                    writeGrey(p.confidence(), e.width(), e.height(), dir.resolve(name + "_confidence.png"));
                    if (!engine.store().isReadOnly()) {
                        engine.store().savePrediction(e.id(), run != null ? run : "cli-predict", p.labels(), p.confidence(), p.meanUncertainty());
                    }
                    err.printf("%s -> %s.png: mean uncertainty %.3f%n", e.path(), name, p.meanUncertainty());
                    done++;
                }
                spec.commandLine().getOut().printf("predicted %d images -> %s%s%n", done, dir,
                        skipped.isEmpty() ? "" : " (" + skipped.size() + " skipped)");
                if (done == 0 && !skipped.isEmpty()) {
                    throw new ProjectException("no image could be predicted (" + skipped.size() + " skipped, see above)");
                }
            }
            return 0;
        }

        private static void writeGrey(byte[] px, int w, int h, Path file) throws java.io.IOException {
            var img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, w, h, px);
            javax.imageio.ImageIO.write(img, "png", file.toFile());
        }
    }

    @Command(name = "eval", description = "Compare the live head's predictions with ground truth in VOC layout: mIoU, per-class IoU, confusion matrix.")
    public static final class Eval implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ProjectAndBackbone pb;

        @Option(names = "--gt", required = true, description = "VOC folder with the ground-truth masks (matched to images by file name)")
        Path gt;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ImportedVoc voc = VocImporter.read(gt);
            try (Engine engine = pb.open(spec.commandLine().getErr())) {
                LinearHead head = pb.train(engine, spec.commandLine().getErr());
                List<ClassDef> classes = engine.store().classes();
                int k = classes.stream().mapToInt(ClassDef::vocIndex).max().orElse(0) + 1;
                Metrics m = new Metrics(k);
                int matched = 0;
                for (ImportedVoc.Item it : voc.items()) {
                    if (it.mask() == null) {
                        continue;
                    }
                    var e = engine.store().images().stream().filter(x -> x.stem().equals(it.id())).findFirst();
                    if (e.isEmpty()) {
                        continue;
                    }
                    LabelMap truth = voc.readMask(it);
                    m.add(truth, engine.predict(head, e.get(), false).labels());
                    matched++;
                }
                if (matched == 0) {
                    throw new ProjectException("no ground-truth mask in " + gt + " matches an image of the project by name");
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("images", matched);
                r.put("miou", m.meanIoU());
                r.put("pixel_accuracy", m.pixelAccuracy());
                Map<String, Object> per = new LinkedHashMap<>();
                for (ClassDef c : classes) {
                    per.put(c.name(), m.iou(c.vocIndex()));
                }
                r.put("iou", per);
                List<List<Long>> confusion = new ArrayList<>();
                for (ClassDef g : classes) {
                    List<Long> row = new ArrayList<>();
                    for (ClassDef p : classes) {
                        row.add(m.count(g.vocIndex(), p.vocIndex()));
                    }
                    confusion.add(row);
                }
                r.put("confusion_rows_gt_cols_pred", confusion);
                PrintWriter o = spec.commandLine().getOut();
                if (json) {
                    o.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
                } else {
                    o.printf("images %d  mIoU %.4f  pixel accuracy %.4f%n", matched, m.meanIoU(), m.pixelAccuracy());
                    per.forEach((name, iou) -> o.printf("  %-20s IoU %.4f%n", name, (Double) iou));
                }
            }
            return 0;
        }
    }

    @Command(name = "suggest", description = "Images to annotate next: most uncertain under the current head first.")
    public static final class Suggest implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ProjectAndBackbone pb;

        @Option(names = {"-n"}, defaultValue = "10", description = "how many (default ${DEFAULT-VALUE})")
        int n;

        @Override
        public Integer call() throws Exception {
            if (n < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "-n must be at least 1, got " + n);
            }
            try (Engine engine = pb.open(spec.commandLine().getErr())) {
                pb.train(engine, spec.commandLine().getErr());
                java.util.Set<Long> left = engine.excludedFromTraining();
                for (ImageEntry e : engine.store().images()) {
                    if (left.contains(e.id())) {
                        continue; // named above
                    }
                    try {
                        engine.features(e); // rank every image, not only those already cached
                    } catch (ProjectException ex) {
                        spec.commandLine().getErr().println("warning: " + ex.getMessage());
                    }
                }
                for (Suggestion s : engine.suggestNext(n)) {
                    spec.commandLine().getOut().printf("%-30s uncertainty %.3f%n", s.image().path(), s.meanUncertainty());
                }
            }
            return 0;
        }
    }
}
