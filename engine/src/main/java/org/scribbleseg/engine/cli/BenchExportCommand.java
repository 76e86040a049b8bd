package org.scribbleseg.engine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ExportResult;
import org.scribbleseg.engine.export.ExportSource;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench export}: generates N images (JPEG q90 with noise, so files are photo-sized) and their accepted masks
 * (palette PNGs on disk, read back through {@link PalettePng} as a store would) in a temporary folder, then times a
 * {@link VocExporter} DONE export of them and prints the figures. Everything generated is deleted afterwards unless
 * {@code --keep}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Time a VOC export of generated images and masks.")
public final class BenchExportCommand implements Callable<Integer> {

    @Option(names = "--count", defaultValue = "1000", description = "images (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--width", defaultValue = "1024")
    int width;

    @Option(names = "--height", defaultValue = "768")
    int height;

    @Option(names = "--threads", defaultValue = "2", description = "export workers (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--png-level", defaultValue = "1", description = "mask PNG deflate level 0..9 (default ${DEFAULT-VALUE})")
    int pngLevel;

    @Option(names = "--dir", description = "work folder (default: a new temporary folder)")
    Path dir;

    @Option(names = "--keep", description = "keep the generated data and the export")
    boolean keep;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        Defaults.applyOfflineDefaults();
        System.exit(new CommandLine(new BenchExportCommand()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("scribbleseg-bench-export");
        try {
            long t0 = System.nanoTime();
            List<ExportSource.Item> items = generate(work, count, width, height, threads);
            double genS = (System.nanoTime() - t0) / 1e9;
            out.printf("generated %d images %dx%d + masks in %.1f s%n", count, width, height, genS);

            ExportSource source = new ExportSource() {
                @Override
                public List<ClassDef> classes() {
                    List<ClassDef> c = new ArrayList<>();
                    for (int i = 0; i <= 5; i++) {
                        c.add(new ClassDef(i, i == 0 ? "background" : "class" + i, 0x102030 * i, i, null, null, i));
                    }
                    return c;
                }

                @Override
                public List<Item> images() {
                    return items;
                }

                @Override
                public LabelMap acceptedMask(Item item) throws IOException {
                    return PalettePng.read(work.resolve("masks").resolve(item.stem() + ".png"));
                }
            };
            Path target = work.resolve("voc");
            VocExporter.Options opt = new VocExporter.Options(target, ExportMode.DONE, null, false, threads, pngLevel);
            long t1 = System.nanoTime();
            ExportResult r = VocExporter.export(source, opt);
            double expS = (System.nanoTime() - t1) / 1e9;
            out.printf("exported %d images (%d train, %d val) with %d thread(s), PNG level %d: %.2f s (%.1f images/s)%n",
                    r.images(), r.train(), r.val(), threads, pngLevel, expS, r.images() / expS);
            out.printf("cores: %d, load average: %s%n", Runtime.getRuntime().availableProcessors(), loadAverage());
            if (keep) {
                out.println("kept: " + work);
            }
            return 0;
        } finally {
            if (!keep) {
                org.scribbleseg.engine.util.FileTrees.delete(work);
            }
        }
    }

    /** Writes images/img_NNNNN.jpg and masks/img_NNNNN.png; returns the export items (10 % val). */
    static List<ExportSource.Item> generate(Path work, int count, int w, int h, int threads) throws IOException {
        Path imgDir = Files.createDirectories(work.resolve("images"));
        Path maskDir = Files.createDirectories(work.resolve("masks"));
        try (org.scribbleseg.engine.util.ThreadPools pools = new org.scribbleseg.engine.util.ThreadPools("bench export")) {
            java.util.concurrent.ExecutorService pool = pools.fixed("sseg-bench-generate", threads, Thread.NORM_PRIORITY);
            List<java.util.concurrent.Future<?>> parts = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                parts.add(pool.submit(() -> {
                    String stem = String.format("img_%05d", n);
                    Files.write(imgDir.resolve(stem + ".jpg"), ImageWriter.encodeJpeg(picture(w, h, n), 90));
                    Files.write(maskDir.resolve(stem + ".png"), PalettePng.encode(mask(w, h, n)));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
        List<ExportSource.Item> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String stem = String.format("img_%05d", i);
            items.add(new ExportSource.Item(i + 1, imgDir.resolve(stem + ".jpg"), stem, i % 10 == 9 ? Split.VAL : Split.TRAIN,
                    true, false));
        }
        return items;
    }

    /** Smooth gradients plus noise: compresses like a photo (a few hundred kB at 1024×768, q90). */
    static RgbImage picture(int w, int h, int seed) {
        Random rnd = new Random(seed);
        byte[] rgb = new byte[w * h * 3];
        int o = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int n = rnd.nextInt(24) - 12;
                rgb[o++] = (byte) clamp((x / 4 + seed) % 256 + n);
                rgb[o++] = (byte) clamp(y / 3 + n);
                rgb[o++] = (byte) clamp(((x + y) / 8 + 3 * seed) % 256 + n);
            }
        }
        return new RgbImage(w, h, rgb);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** Background with a few thick strokes of classes 1..5 and a void band, like an annotated scene. */
    static LabelMap mask(int w, int h, int seed) {
        Random rnd = new Random(seed * 31L + 7);
        LabelMap base = new LabelMap(w, h, new byte[w * h]);
        List<Stroke> strokes = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            float[] pts = new float[8];
            for (int i = 0; i < 8; i += 2) {
                pts[i] = rnd.nextFloat() * w;
                pts[i + 1] = rnd.nextFloat() * h;
            }
            StrokeKind kind = k == 7 ? StrokeKind.IGNORE : StrokeKind.SCRIBBLE;
            strokes.add(new Stroke(k, seed, kind == StrokeKind.IGNORE ? null : (long) (1 + k % 5), kind,
                    kind == StrokeKind.IGNORE ? 4 : 20 + rnd.nextFloat() * 80, pts, 0));
        }
        return LabelRasterizer.rasterize(base, strokes, id -> id.intValue(), false).labels();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException | RuntimeException e) {
            return String.format("%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

}
