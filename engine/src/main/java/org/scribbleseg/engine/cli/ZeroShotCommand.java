package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.ZeroShotLabeler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg zeroshot <project> [--model ...] [--threshold 0.9] [--resolution 448] [--out dir]}: MaskCLIP
 * zero-shot pre-labels from the project's class names/concepts for every image, saved as prediction run
 * {@value #RUN_ID} (and optionally as palette PNGs).
 */
@Command(name = "zeroshot", mixinStandardHelpOptions = true,
        description = "Zero-shot CLIP pre-labels (MaskCLIP) from the class names/concepts, saved as predictions.")
public final class ZeroShotCommand implements Callable<Integer> {
    public static final String RUN_ID = ZeroShotLabeler.RUN_ID;
    public static final String DEFAULT_MODEL = "clip-vit-base-patch16";
    static final String NOT_INSTALLED = "CLIP weights not installed: scribbleseg models download clip-vit-base-patch16, "
            + "or models import <dir>";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.json", "merges.txt");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<project>", description = "project (.sseg folder, or a folder holding one)")
    Path project;

    @Option(names = "--model", paramLabel = "<dir or name>", defaultValue = DEFAULT_MODEL,
            description = "CLIP model folder, or the name of an installed model (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--threshold", defaultValue = "0.9", description = "minimum confidence; below it pixels are void (default: ${DEFAULT-VALUE})")
    float threshold;

    @Option(names = "--resolution", defaultValue = "448", description = "long side fed to CLIP (default: ${DEFAULT-VALUE})")
    int resolution;

    @Option(names = "--temperature", defaultValue = "100", description = "softmax scale on cosines (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--out", description = "also write palette PNGs here")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (threshold < 0 || threshold > 1 || resolution < 16 || !(temperature > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--threshold must be in [0, 1], --resolution >= 16, --temperature > 0");
        }
        Path dir = resolveModel(model);
        if (dir == null) {
            err.println("error: " + NOT_INSTALLED);
            return 1;
        }
        try (ProjectStore store = ProjectOptions.open(project);
                ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(resolution, temperature, threshold))) {
            z.setClasses(store.classes());
            if (out != null) {
                Files.createDirectories(out);
            }
            List<ImageEntry> images = store.images();
            long labelled = 0;
            long total = 0;
            long t0 = System.nanoTime();
            for (ImageEntry e : images) {
                RgbImage img = ImageLoader.load(store.resolve(e));
                ZeroShotLabeler.Result r = z.label(img);
                store.savePrediction(e.id(), RUN_ID, r.labels(), r.confidence(), r.meanUncertainty());
                if (out != null) {
                    PalettePng.write(r.labels(), out.resolve(e.stem() + ".png"));
                }
                labelled += r.labels().labelledCount();
                total += (long) img.width() * img.height();
                err.printf("%s: %.1f%% labelled, mean uncertainty %.3f%n", e.stem(),
                        100.0 * r.labels().labelledCount() / Math.max(1, (long) img.width() * img.height()), r.meanUncertainty());
            }
            spec.commandLine().getOut().printf("zero-shot labelled %d images (%.1f%% of pixels above %.2f) in %.1f s as run %s%s%n",
                    images.size(), 100.0 * labelled / Math.max(1, total), threshold, (System.nanoTime() - t0) / 1e9, RUN_ID,
                    out == null ? "" : " -> " + out);
        }
        return 0;
    }

    /** A folder with the CLIP files, or an installed model of that name; null when neither has the weights. */
    static Path resolveModel(String spec) throws Exception {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            return complete(p) ? p : null;
        }
        try {
            var inst = ModelStore.createDefault().installed(spec);
            if (inst.isEmpty() || !inst.get().complete() || !complete(inst.get().dir())) {
                return null;
            }
            return inst.get().dir();
        } catch (ModelStoreException e) {
            return null; // not a valid model name either
        }
    }

    private static boolean complete(Path dir) {
        return FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }
}
