package org.scribbleseg.engine.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.CRC32;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.eval.ProjectedFeatures;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * Memory of a large project in the live loop: {@code images} images of {@code width}×{@code height} (distinct files:
 * a few synthetic scenes as JPEGs, each copied with a different comment segment, so every file has its own sha256 but decodes
 * like its scene), {@code labelled} of them with scribbles, and the feature cache filled with ViT-shaped maps
 * ({@link ProjectedFeatures}) up to the project's cache limit. {@link #measure} opens the project in this JVM (run it
 * in a fresh one: {@code bench memory} starts a child), waits for the first prediction, draws strokes, and reports
 * the resident set size at each point.
 */
public final class MemoryBenchmark {
    private MemoryBenchmark() {
    }

    /** What the project holds. {@code vit}: dinov2-small or dinov2-base (the feature shape). */
    public record Setup(int images, int labelled, int width, int height, String vit, int scenes, int scribblesPerImage) {
        String marker() {
            return "images=" + images + " labelled=" + labelled + " size=" + width + "x" + height + " vit=" + vit + " scenes=" + scenes
                    + " scribbles=" + scribblesPerImage;
        }
    }

    static final int CLASSES = 5;

    /** The timing stand-in backbone with the ViT's feature shape at 518 px. */
    public static Backbone backbone(String vit) {
        var cfg = org.scribbleseg.engine.nn.Dinov2Config.preset(vit);
        return new ProjectedFeatures(vit, cfg.hiddenSize(), 518, cfg.patchSize(), 42);
    }

    /** Builds (or reuses, when it holds the same setup) the benchmark project under {@code dir}; returns its folder. */
    public static Path prepare(Path dir, Setup s, PrintWriter log) throws IOException {
        Path project = dir.resolve("bench-memory.sseg");
        Path marker = dir.resolve("setup.txt");
        if (Files.isRegularFile(marker) && Files.readString(marker).equals(s.marker()) && Files.isDirectory(project)) {
            log.printf("reusing %s (%s)%n", project, s.marker());
            return project;
        }
        org.scribbleseg.engine.util.FileTrees.delete(project);
        Files.deleteIfExists(marker);
        long t0 = System.nanoTime();
        SyntheticScenes gen = new SyntheticScenes(CLASSES, 3);
        List<SyntheticScenes.Scene> scenes = new ArrayList<>();
        List<byte[]> png = new ArrayList<>();
        for (int i = 0; i < s.scenes(); i++) {
            SyntheticScenes.Scene sc = gen.scene(i, s.width(), s.height());
            scenes.add(sc);
            png.add(ImageWriter.encodeJpeg(sc.image(), 80)); // 12 MP noisy scenes: ~1 MB as JPEG, ~5 MB as PNG
        }
        Path images = Files.createDirectories(dir.resolve("images"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < s.images(); i++) {
            Path f = images.resolve(String.format("img%05d.jpg", i));
            Files.write(f, withJpegComment(png.get(i % s.scenes()), "bench " + i));
            files.add(f);
        }
        log.printf("wrote %d image files in %.1f s%n", files.size(), (System.nanoTime() - t0) / 1e9);
        try (Engine engine = Engine.create(project)) {
            engine.setLiveUpdate(false); // the setup trains nothing and caches no classic features
            ProjectStore store = engine.store();
            List<ClassDef> cls = new ArrayList<>();
            for (int c = 0; c < CLASSES; c++) {
                cls.add(store.addClass("class" + c, 0x303030 * (c + 1), c, "", List.of()));
            }
            engine.importImages(files, org.scribbleseg.engine.util.TaskMonitor.NONE);
            List<ImageEntry> list = store.images();
            log.printf("imported %d images in %.1f s%n", list.size(), (System.nanoTime() - t0) / 1e9);
            SimulatedAnnotator ann = new SimulatedAnnotator(5, 30);
            List<List<SimulatedAnnotator.SimStroke>> perScene = new ArrayList<>();
            for (SyntheticScenes.Scene sc : scenes) { // a copy of a scene gets that scene's scribbles
                perScene.add(ann.scribbles(sc.truth()));
            }
            for (int i = 0; i < s.labelled(); i++) {
                List<SimulatedAnnotator.SimStroke> all = perScene.get(i % s.scenes());
                for (SimulatedAnnotator.SimStroke st : s.scribblesPerImage() > 0 ? all.subList(0, Math.min(all.size(), s.scribblesPerImage())) : all) {
                    store.commitStroke(list.get(i).id(), cls.get(st.classValue()).id(),
                            st.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE, st.radius(), st.points());
                }
            }
            log.printf("scribbled %d images in %.1f s%n", s.labelled(), (System.nanoTime() - t0) / 1e9);
            // the feature cache as a long session leaves it: labelled images first, then others up to the limit
            FeatureCache cache = FeatureCache.forProject(project);
            long limit = engine.featureCacheUsage().limitBytes();
            cache.setLimitBytes(limit);
            java.util.Set<String> labelledShas = new java.util.HashSet<>();
            for (int i = 0; i < s.labelled(); i++) {
                labelledShas.add(list.get(i).sha256());
            }
            cache.setPinned(() -> labelledShas);
            try (Backbone bb = backbone(s.vit())) {
                List<FeatureMap> maps = new ArrayList<>();
                for (SyntheticScenes.Scene sc : scenes) {
                    maps.add(bb.features(sc.image()));
                }
                long perMap = FeatureCache.encode(maps.get(0)).length;
                long fit = Math.min(list.size(), Math.max(s.labelled(), limit / perMap));
                for (int i = 0; i < fit; i++) {
                    cache.put(bb.key(), list.get(i).sha256(), maps.get(i % s.scenes()));
                }
                log.printf("cached %d %s maps (%.1f MB each, limit %.1f GB) in %.1f s%n", fit, bb.key(), perMap / 1e6,
                        limit / 1e9, (System.nanoTime() - t0) / 1e9);
            }
        }
        Files.writeString(marker, s.marker());
        return project;
    }

    /** A JPEG with a comment segment after its SOI marker: another file (sha256), the same pixels. */
    public static byte[] withJpegComment(byte[] jpeg, String comment) {
        byte[] data = comment.getBytes(StandardCharsets.ISO_8859_1);
        if (jpeg.length < 2 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8 || data.length > 65533) {
            throw new IllegalArgumentException("not a JPEG, or comment too long");
        }
        byte[] out = new byte[jpeg.length + 4 + data.length];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xFE;
        out[4] = (byte) ((data.length + 2) >> 8);
        out[5] = (byte) (data.length + 2);
        System.arraycopy(data, 0, out, 6, data.length);
        System.arraycopy(jpeg, 2, out, 6 + data.length, jpeg.length - 2);
        return out;
    }

    /** A PNG with a tEXt chunk {@code key=value} after its IHDR: another file (sha256), the same pixels. */
    public static byte[] withText(byte[] png, String key, String value) {
        byte[] data = (key + "\0" + value).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
        chunk.putInt(data.length).put("tEXt".getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + data.length);
        chunk.putInt((int) crc.getValue());
        int afterIhdr = 8 + 25;
        byte[] out = new byte[png.length + chunk.capacity()];
        System.arraycopy(png, 0, out, 0, afterIhdr);
        System.arraycopy(chunk.array(), 0, out, afterIhdr, chunk.capacity());
        System.arraycopy(png, afterIhdr, out, afterIhdr + chunk.capacity(), png.length - afterIhdr);
        return out;
    }

    /** Opens the project, waits for the first prediction, draws {@code strokes} strokes; RSS at each point. */
    public static Map<String, Object> measure(Path project, Setup s, int strokes, PrintWriter log)
            throws IOException, InterruptedException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("setup", s.marker());
        r.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1_000_000);
        r.put("rss_before_open_mb", rssMb("VmRSS"));
        SyntheticScenes gen = new SyntheticScenes(CLASSES, 3);
        long t0 = System.nanoTime();
        try (Engine engine = Engine.open(project, backbone(s.vit()))) {
            ProjectStore store = engine.store();
            List<ImageEntry> list = store.images();
            List<ClassDef> cls = store.classes();
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            int cur = Math.min(s.labelled(), list.size() - 1);
            ImageEntry current = list.get(cur);
            LabelMap truth = gen.scene(cur % s.scenes(), s.width(), s.height()).truth();
            engine.setCurrentImage(current.id());
            LabelMap pred = LiveLatencyBenchmark.await(events, current.id(), store.revision()).labels();
            double openS = (System.nanoTime() - t0) / 1e9;
            settle();
            r.put("open_to_first_prediction_s", Math.round(openS * 10) / 10.0);
            r.put("rss_after_open_mb", rssMb("VmRSS"));
            r.put("heap_used_after_open_mb", heapUsedMb());
            SimulatedAnnotator ann = new SimulatedAnnotator(9, 30);
            LabelMap labelled = LabelMap.unlabelled(s.width(), s.height());
            double[] ms = new double[strokes];
            java.util.SplittableRandom jitter = new java.util.SplittableRandom(3);
            for (int i = 0; i < strokes; i++) {
                SimulatedAnnotator.SimStroke fix = ann.correction(truth, pred, labelled, SimulatedAnnotator.Kind.SCRIBBLE);
                if (fix == null) {
                    int x = jitter.nextInt(s.width());
                    int y = jitter.nextInt(s.height());
                    fix = new SimulatedAnnotator.SimStroke(truth.get(x, y), 4, new float[] {x, y});
                }
                SimulatedAnnotator.rasterise(List.of(fix), labelled);
                events.clear();
                long a = System.nanoTime();
                store.commitStroke(current.id(), cls.get(fix.classValue()).id(),
                        fix.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE, fix.radius(), fix.points());
                pred = LiveLatencyBenchmark.await(events, current.id(), store.revision()).labels();
                ms[i] = (System.nanoTime() - a) / 1e6;
            }
            r.put("peak_rss_during_strokes_mb", rssMb("VmHWM"));
            settle();
            r.put("strokes", strokes);
            r.put("rss_after_strokes_mb", rssMb("VmRSS"));
            r.put("heap_used_after_strokes_mb", heapUsedMb());
            r.put("peak_rss_mb", rssMb("VmHWM"));
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            r.put("stroke_p50_ms", Math.round(sorted[Math.max(0, (int) Math.ceil(0.5 * strokes) - 1)] * 10) / 10.0);
            r.put("stroke_p95_ms", Math.round(sorted[Math.max(0, (int) Math.ceil(0.95 * strokes) - 1)] * 10) / 10.0);
            Engine.FeatureCacheUsage u = engine.featureCacheUsage();
            r.put("feature_cache_gb", Math.round(u.bytes() / 1e7) / 100.0);
            r.put("feature_cache_maps", u.maps());
            r.put("images", list.size());
            r.put("labelled", s.labelled());
            r.put("backbone", engine.backboneKey());
            log.printf("RSS: after opening (first prediction) %s MB, after %d strokes %s MB, peak %s MB; strokes p50 %s ms,"
                    + " p95 %s ms%n", r.get("rss_after_open_mb"), strokes, r.get("rss_after_strokes_mb"), r.get("peak_rss_mb"),
                    r.get("stroke_p50_ms"), r.get("stroke_p95_ms"));
        }
        return r;
    }

    /** A full GC, then 2 s idle: G1 gives unused heap back to the OS concurrently, as it does between a user's strokes. */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(2000);
    }

    private static long heapUsedMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / 1_000_000;
    }

    /** A field of /proc/self/status in MB (VmRSS: resident now, VmHWM: peak); -1 where there is no /proc. */
    static long rssMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1000;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
