package org.scribbleseg.engine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg bench cache}: measures the feature cache: bytes per image, write and read time per image for
 * DINOv2-sized maps (384×37×37 = ViT-S at 518, 768×37×37 = ViT-B at 518 by default).
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "Benchmark the on-disk feature cache (float16 files): bytes, write and read time per image.")
public final class BenchCacheCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--images", defaultValue = "40", description = "Images per shape (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--passes", defaultValue = "3", description = "Read passes over all images (default ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--shape", split = ",", defaultValue = "384x37x37,768x37x37",
            description = "Map shapes CxHxW, comma-separated (default ${DEFAULT-VALUE}).")
    List<String> shapes;

    @Option(names = "--dir", description = "Folder for the cache files (default: a temporary folder, deleted after).")
    Path dir;

    /** One measured shape. */
    public record Figures(String shape, long bytesPerImage, double writeMsPerImage, double readMsPerImage,
                          double maxAbsError) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dir == null;
        Path root = temporary ? Files.createTempDirectory("scribbleseg-bench-cache") : dir;
        try {
            out.printf(Locale.ROOT, "%-12s %14s %14s %14s %12s%n", "shape", "bytes/image", "write ms/img", "read ms/img",
                    "max |err|");
            for (String s : shapes) {
                int[] chw = Arrays.stream(s.trim().split("x")).mapToInt(Integer::parseInt).toArray();
                if (chw.length != 3) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "shape must be CxHxW: " + s);
                }
                Figures f = measure(FeatureCache.atRoot(root), chw[0], chw[1], chw[2], images, passes);
                out.printf(Locale.ROOT, "%-12s %14d %14.3f %14.3f %12.2e%n", f.shape(), f.bytesPerImage(),
                        f.writeMsPerImage(), f.readMsPerImage(), f.maxAbsError());
            }
            out.flush();
            return 0;
        } finally {
            if (temporary) {
                org.scribbleseg.engine.util.FileTrees.delete(root);
            }
        }
    }

    /** Writes {@code n} random maps, then reads them back {@code passes} times; times are per image. */
    public static Figures measure(FeatureCache cache, int c, int h, int w, int n, int passes) throws IOException {
        String key = "bench-" + c + "x" + h + "x" + w;
        Random r = new Random(42);
        List<String> shas = new ArrayList<>();
        List<FeatureMap> maps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] d = new float[c * h * w];
            for (int j = 0; j < d.length; j++) {
                d[j] = (float) r.nextGaussian();
            }
            maps.add(new FeatureMap(c, h, w, d));
            shas.add(String.format(Locale.ROOT, "%064x", i + 1));
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            cache.put(key, shas.get(i), maps.get(i));
        }
        double writeMs = (System.nanoTime() - t0) / 1e6 / n;
        double maxErr = 0;
        double bestRead = Double.MAX_VALUE;
        for (int p = 0; p < Math.max(1, passes); p++) {
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                FeatureMap back = cache.get(key, shas.get(i)).orElseThrow(() -> new IllegalStateException("cache miss"));
                if (p == 0) {
                    float[] a = maps.get(i).data();
                    float[] b = back.data();
                    for (int j = 0; j < a.length; j++) {
                        maxErr = Math.max(maxErr, Math.abs(a[j] - b[j]));
                    }
                }
            }
            long dt = System.nanoTime() - t1;
            if (p > 0 || passes <= 1) {
                bestRead = Math.min(bestRead, dt / 1e6 / n);
            }
        }
        long bytes = Files.size(cache.pathFor(key, shas.get(0)));
        return new Figures(c + "x" + h + "x" + w, bytes, writeMs, bestRead, maxErr);
    }
}
