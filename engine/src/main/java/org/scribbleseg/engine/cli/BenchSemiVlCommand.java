package org.scribbleseg.engine.cli;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.semivl.SemiVlJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg bench semivl step --project P} and {@code bench semivl semi --voc DIR}.
 *
 * <ul>
 *   <li>{@code step}: SemiVL iterations (the full objective, CPU recipe) on a project with a CLIP tower of the real
 *       ViT-B/16 shape and random weights (nothing downloaded): seconds per iteration (median after one warm-up)
 *       and the peak RSS, next to our own {@code bench train-step} of ViT-S (DINOv2-small, batch 2, 224) measured in
 *       the same run, with the ratio.</li>
 *   <li>{@code semi}: the semi-supervised check without pretrained weights: a VOC-layout dataset, a tiny randomly
 *       initialised tower, {@code --labelled} images with their masks as accepted masks and {@code --unlabelled}
 *       images without, SemiVL's full objective vs the same network on the labelled term alone, same iterations and
 *       seed; mIoU on the dataset's val images (their masks are never used for training; the images are part of the
 *       unlabelled stream) every {@code --eval-every} iterations, for both.</li>
 * </ul>
 */
@Command(name = "semivl", mixinStandardHelpOptions = true,
        description = "SemiVL benchmarks: 'step' (iterations/s and memory at ViT-B/16 shape, random weights) and 'semi' (full objective vs labelled-only on a small dataset).")
public final class BenchSemiVlCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(index = "0", description = "step or semi")
    String mode;

    @Option(names = "--project", description = "step: the project to train on (e.g. the demo's working copy)")
    Path project;

    @Option(names = "--voc", description = "semi: a VOC-layout folder (JPEGImages, SegmentationClass, ImageSets/Segmentation)")
    Path voc;

    @Option(names = "--crop", description = "training crop (default: 224 for step, 128 for semi)")
    Integer crop;

    @Option(names = "--iters", defaultValue = "3", description = "step: timed iterations after one warm-up; semi: iterations per run (default: 3 / use 300 for semi)")
    int iters;

    @Option(names = "--labelled", defaultValue = "5", description = "semi: labelled images (default: ${DEFAULT-VALUE})")
    int labelled;

    @Option(names = "--unlabelled", defaultValue = "25", description = "semi: unlabelled images (default: ${DEFAULT-VALUE})")
    int unlabelled;

    @Option(names = "--eval-every", defaultValue = "50", description = "semi: iterations between evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--threads", defaultValue = "0", description = "intra-op threads; 0 = libtorch's default")
    int threads;

    @Option(names = "--skip-reference", description = "step: do not run the ViT-S train-step reference")
    boolean skipReference;

    @Override
    public Integer call() throws Exception {
        ai.djl.engine.Engine.getInstance();
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        return switch (mode) {
            case "step" -> step();
            case "semi" -> semi();
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "mode must be step or semi, not '" + mode + "'");
        };
    }

    private int step() throws Exception {
        if (project == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "step needs --project (e.g. scribbleseg demo, then its folder)");
        }
        PrintWriter out = spec.commandLine().getOut();
        int c = crop == null ? 224 : crop;
        Path tmp = Files.createTempDirectory("semivl-bench");
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("random_tower", "clip-b16");
        cfg.put("steps", iters + 1);
        cfg.put("crop", c);
        cfg.put("seed", 1);
        double[] sec = new double[iters];
        double loss = Double.NaN;
        long params;
        try (SemiVlJob job = new SemiVlJob()) {
            job.init(new HeavyContext(cfg, ProjectOptions.locate(project), tmp.resolve("run"), Device.cpu()));
            params = 0;
            for (int t = -1; t < iters; t++) {
                long t0 = System.nanoTime();
                loss = job.step(t + 1);
                if (t >= 0) {
                    sec[t] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        double rss = TorchReference.peakRssMb();
        double[] s = sec.clone();
        Arrays.sort(s);
        double median = iters % 2 == 1 ? s[iters / 2] : (s[iters / 2 - 1] + s[iters / 2]) / 2;
        out.printf(Locale.ROOT, "SemiVL iteration (ViT-B/16 shape, random weights, CPU recipe: crop %d, batch 1 + 1, cached guidance): "
                + "median %.2f s over %d iterations (%.3f it/s; min %.2f, max %.2f); peak RSS %.0f MiB; %d threads; load average %.2f; last loss %.4f%n",
                c, median, iters, 1 / median, s[0], s[iters - 1], rss, JniUtils.getNumThreads(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), loss);
        if (!skipReference) {
            StringWriter sw = new StringWriter();
            CommandLine ref = new CommandLine(new BenchTrainStepCommand());
            ref.setOut(new PrintWriter(sw));
            ref.execute("--model", "dinov2-small", "--size", "224", "--batch", "2", "--runs", "3", "--json");
            JsonNode r = new ObjectMapper().readTree(sw.toString().strip());
            double refSec = r.path("median_ms").asDouble() / 1000;
            out.printf(Locale.ROOT, "reference, same run: bench train-step dinov2-small (ViT-S/14) @224 batch 2: median %.2f s; "
                    + "ratio SemiVL iteration / ViT-S train step %.1f%n", refSec, median / refSec);
        }
        return 0;
    }

    private int semi() throws Exception {
        if (voc == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "semi needs --voc <folder>");
        }
        PrintWriter out = spec.commandLine().getOut();
        int c = crop == null ? 128 : crop;
        List<String> train = Files.readAllLines(voc.resolve("ImageSets/Segmentation/train.txt")).stream().map(String::strip)
                .filter(x -> !x.isEmpty()).toList();
        List<String> val = Files.readAllLines(voc.resolve("ImageSets/Segmentation/val.txt")).stream().map(String::strip)
                .filter(x -> !x.isEmpty()).toList();
        List<String> all = new ArrayList<>(train);
        val.forEach(v -> {
            if (!all.contains(v)) {
                all.add(v);
            }
        });
        if (all.size() < labelled + unlabelled) {
            throw new ProjectException("the dataset has " + all.size() + " images, fewer than " + (labelled + unlabelled));
        }
        List<String> lab = all.subList(0, labelled);
        List<String> unl = all.subList(labelled, labelled + unlabelled);
        List<String> eval = val.stream().filter(unl::contains).toList();
        Path tmp = Files.createTempDirectory("semivl-semi");
        Path proj = tmp.resolve("semi.sseg");
        List<String> classNames = new ArrayList<>();
        for (String line : Files.readAllLines(voc.resolve("labelmap.txt"))) {
            if (!line.startsWith("#") && line.contains(":")) {
                classNames.add(line.substring(0, line.indexOf(':')));
            }
        }
        List<RgbImage> evalImages = new ArrayList<>();
        List<LabelMap> evalMasks = new ArrayList<>();
        try (ProjectStore s = ProjectStore.create(proj)) {
            for (int i = 0; i < classNames.size(); i++) {
                s.addClass(classNames.get(i), 0x404040 * (i + 1), i, "", List.of());
            }
            for (String id : lab) {
                ImageEntry e = add(s, id);
                s.setMask(e.id(), PalettePng.read(voc.resolve("SegmentationClass/" + id + ".png")), MaskRecord.ACCEPTED);
            }
            for (String id : unl) {
                add(s, id);
            }
        }
        for (String id : eval) {
            evalImages.add(ImageLoader.load(jpeg(id)));
            evalMasks.add(PalettePng.read(voc.resolve("SegmentationClass/" + id + ".png")));
        }
        out.printf(Locale.ROOT, "semi-supervised check: %d labelled (%s..), %d unlabelled, tiny random tower (width 64, 3 blocks), decoder d=64, "
                + "random text rows, crop %d, %d iterations each, seed 1; mIoU on %d val images (unlabelled stream, masks never trained on)%n",
                lab.size(), lab.get(0), unl.size(), c, iters, eval.size());
        out.flush();
        for (boolean semi : new boolean[] {true, false}) {
            ObjectNode cfg = new ObjectMapper().createObjectNode();
            cfg.put("random_tower", "tiny");
            cfg.put("steps", iters);
            cfg.put("crop", c);
            cfg.put("seed", 1);
            cfg.put("decoder_channels", 64);
            cfg.put("hold_out", false);
            StringBuilder curve = new StringBuilder();
            long t0 = System.nanoTime();
            try (SemiVlJob job = new SemiVlJob()) {
                job.init(new HeavyContext(cfg, proj, tmp.resolve(semi ? "run-full" : "run-labelled"), Device.cpu()));
                curve.append(String.format(Locale.ROOT, "%d:%.4f", 0, miou(job, evalImages, evalMasks)));
                for (int t = 0; t < iters; t++) {
                    job.step(t, semi);
                    if ((t + 1) % evalEvery == 0 || t + 1 == iters) {
                        curve.append(String.format(Locale.ROOT, " %d:%.4f", t + 1, miou(job, evalImages, evalMasks)));
                    }
                }
            }
            out.printf(Locale.ROOT, "%s: mIoU by iteration %s (%.0f s)%n", semi ? "full SemiVL objective" : "labelled term only   ",
                    curve, (System.nanoTime() - t0) / 1e9);
            out.flush();
        }
        out.println("random weights: these numbers say whether the unlabelled terms help this tiny network here, nothing about pretrained SemiVL quality");
        return 0;
    }

    private Path jpeg(String id) {
        Path p = voc.resolve("JPEGImages/" + id + ".jpg");
        return Files.exists(p) ? p : voc.resolve("JPEGImages/" + id + ".png");
    }

    private ImageEntry add(ProjectStore s, String id) throws Exception {
        Path f = jpeg(id);
        byte[] bytes = Files.readAllBytes(f);
        RgbImage img = ImageLoader.load(f);
        return s.addImage(f, ImageLoader.sha256(bytes), img.width(), img.height(), Split.NONE);
    }

    private static double miou(SemiVlJob job, List<RgbImage> imgs, List<LabelMap> masks) {
        Metrics m = new Metrics(LabelMap.VOID);
        for (int i = 0; i < imgs.size(); i++) {
            m.add(masks.get(i), job.predictMask(imgs.get(i)));
        }
        return m.meanIoU();
    }
}
