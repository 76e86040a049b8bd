package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.util.ThreadPools;
import java.util.stream.Stream;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.JpegHeader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.Split;

/**
 * Writes a PASCAL VOC segmentation dataset (specs/voc.md) from an {@link ExportSource}.
 *
 * <p>Safety: everything is written into {@code <out>.partial-<random>/} next to {@code <out>}, every file is
 * fsynced, and only when all succeeded is the folder renamed to {@code <out>}. An existing non-empty {@code <out>}
 * is replaced only with {@code overwrite}, and only when it holds our marker file {@value #MARKER} (so a folder the
 * tool did not write is never deleted): the old folder is renamed aside, the new one moved in, then the old one
 * deleted. On any failure or cancellation the partial folder is deleted and {@code <out>} is left as it was.
 *
 * <p>Per-image work (mask PNG encoding, JPEG copy or re-encoding) runs on {@code threads} workers.
 */
public final class VocExporter {
    /** Marker file written at the top of every export (an empty-ish text file VOC readers ignore). */
    public static final String MARKER = ".scribbleseg-export";
    private static final String MARKER_TEXT = "written by ScribbleSeg; --overwrite may replace this folder\n";

    private VocExporter() {
    }

    /**
     * Export options: {@code devkitYear} null for the plain layout, else {@code out/VOCdevkit/VOC<year>/};
     * {@code threads} ≥ 1 workers for the per-image work; {@code pngLevel} the mask PNG deflate level (0..9).
     */
    public record Options(Path out, ExportMode mode, Integer devkitYear, boolean overwrite, int threads, int pngLevel) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
        }

        /** Plain layout, no overwrite, min(2, cores) threads, {@link PalettePng#DEFAULT_LEVEL}. */
        public static Options of(Path out, ExportMode mode) {
            return new Options(out, mode, null, false, Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())),
                    PalettePng.DEFAULT_LEVEL);
        }

        public Options withDevkit(Integer year) {
            return new Options(out, mode, year, overwrite, threads, pngLevel);
        }

        public Options withOverwrite(boolean ow) {
            return new Options(out, mode, devkitYear, ow, threads, pngLevel);
        }

        public Options withThreads(int n) {
            return new Options(out, mode, devkitYear, overwrite, n, pngLevel);
        }
    }

    public static ExportResult export(ExportSource source, Options opt) throws IOException {
        return export(source, opt, TaskMonitor.NONE);
    }

    /**
     * Exports; progress after each image (images done, images to export, the image's export name), reported from
     * the worker threads. {@link CancellationException} when {@code monitor} turned cancelled (checked between
     * images), with nothing left behind.
     */
    public static ExportResult export(ExportSource source, Options opt, TaskMonitor monitor) throws IOException {
        try (ThreadPools own = new ThreadPools("voc export")) {
            return export(source, opt, monitor, own);
        }
    }

    /** As {@link #export(ExportSource, Options, TaskMonitor)}, the workers a pool of {@code threads} (the engine's). */
    public static ExportResult export(ExportSource source, Options opt, TaskMonitor monitor, ThreadPools threads)
            throws IOException {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        Path out = opt.out().toAbsolutePath().normalize();
        List<String> recovered = ExportRecovery.recover(out);
        checkTarget(out, opt.overwrite());
        List<ClassDef> classes = source.classes();
        String labelmap = LabelmapTxt.format(classes);
        Map<Long, Integer> vocIndexById = new HashMap<>();
        Set<Integer> definedIndices = new HashSet<>();
        for (ClassDef c : classes) {
            vocIndexById.put(c.id(), c.vocIndex());
            definedIndices.add(c.vocIndex());
        }
        List<ExportSource.Item> all = source.images();
        Map<Long, String> ids = assignIds(all);
        List<ExportSource.Item> chosen = new ArrayList<>();
        for (ExportSource.Item it : all) {
            boolean take = switch (opt.mode()) {
                case DONE -> it.hasAcceptedMask();
                case PREDICTED -> true;
                case SPARSE -> it.hasStrokes();
            };
            if (take) {
                chosen.add(it);
            }
        }

        Path parent = out.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(out.getFileName() + ExportRecovery.PARTIAL + ProcessHandle.current().pid() + "-" + randomHex());
        Files.createDirectory(tmp);
        ExecutorService pool = null;
        try {
            Path root = opt.devkitYear() == null ? tmp : tmp.resolve("VOCdevkit").resolve("VOC" + opt.devkitYear());
            Path jpegDir = Files.createDirectories(root.resolve("JPEGImages"));
            Path maskDir = Files.createDirectories(root.resolve("SegmentationClass"));
            Path setDir = Files.createDirectories(root.resolve("ImageSets").resolve("Segmentation"));

            List<String> warnings = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger done = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            int total = chosen.size();
            pool = threads.fixed("sseg-voc-export", opt.threads(), Thread.NORM_PRIORITY);
            List<Future<Written>> futures = new ArrayList<>();
            for (ExportSource.Item it : chosen) {
                futures.add(pool.submit(() -> {
                    if (stop.get() || progress.isCancelled()) {
                        stop.set(true);
                        throw new CancellationException("export cancelled");
                    }
                    Written w = writeOne(source, it, ids.get(it.imageId()), opt, vocIndexById, definedIndices, jpegDir,
                            maskDir, warnings);
                    progress.progress(done.incrementAndGet(), total, ids.get(it.imageId()));
                    return w;
                }));
            }
            List<Written> written = new ArrayList<>();
            for (Future<Written> f : futures) {
                try {
                    Written w = f.get();
                    if (w != null) {
                        written.add(w);
                    }
                } catch (ExecutionException e) {
                    stop.set(true);
                    pool.shutdownNow();
                    throw unwrap(e.getCause());
                } catch (InterruptedException e) {
                    stop.set(true);
                    Thread.currentThread().interrupt();
                    throw new CancellationException("export interrupted");
                }
            }
            pool.shutdown();
            int noPrediction = total - written.size();
            if (noPrediction > 0) {
                warnings.add(0, noPrediction + " image(s) had no " + (opt.mode() == ExportMode.SPARSE ? "labelled pixel"
                        : "prediction") + " and were left out");
            }

            List<String> train = new ArrayList<>();
            List<String> val = new ArrayList<>();
            List<String> trainval = new ArrayList<>();
            List<String> predicted = new ArrayList<>();
            for (Written w : written) {
                (w.split == Split.VAL ? val : train).add(w.id);
                trainval.add(w.id);
                if (w.predicted) {
                    predicted.add(w.id);
                }
            }
            writeList(setDir.resolve("train.txt"), train);
            writeList(setDir.resolve("val.txt"), val);
            writeList(setDir.resolve("trainval.txt"), trainval);
            if (opt.mode() == ExportMode.PREDICTED) {
                writeList(setDir.resolve("predicted.txt"), predicted);
            }
            writeSynced(root.resolve("labelmap.txt"), labelmap.getBytes(StandardCharsets.UTF_8));
            writeSynced(tmp.resolve(MARKER), MARKER_TEXT.getBytes(StandardCharsets.UTF_8));
            for (Path d : List.of(jpegDir, maskDir, setDir, setDir.getParent(), root)) {
                fsyncDir(d);
            }
            if (opt.devkitYear() != null) {
                fsyncDir(root.getParent());
            }
            fsyncDir(tmp);
            if (progress.isCancelled()) {
                throw new CancellationException("export cancelled");
            }
            commit(tmp, out, opt.overwrite());
            fsyncDir(parent);
            Map<Long, String> exportedIds = new HashMap<>();
            for (Written w : written) {
                exportedIds.put(w.imageId, w.id);
            }
            Path finalRoot = opt.devkitYear() == null ? out : out.resolve("VOCdevkit").resolve("VOC" + opt.devkitYear());
            List<String> sortedWarnings = new ArrayList<>(warnings);
            Collections.sort(sortedWarnings.subList(noPrediction > 0 ? 1 : 0, sortedWarnings.size()));
            sortedWarnings.addAll(0, recovered);
            return new ExportResult(out, finalRoot, written.size(), train.size(), val.size(), predicted.size(),
                    exportedIds, sortedWarnings);
        } catch (IOException | RuntimeException | Error e) {
            if (pool != null) {
                pool.shutdownNow();
                try {
                    pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            if (Files.exists(tmp)) {
                try {
                    org.scribbleseg.engine.util.FileTrees.delete(tmp);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private record Written(long imageId, String id, Split split, boolean predicted) {
    }

    private static Written writeOne(ExportSource source, ExportSource.Item it, String id, Options opt,
            Map<Long, Integer> vocIndexById, Set<Integer> defined, Path jpegDir, Path maskDir, List<String> warnings)
            throws IOException {
        LabelMap mask;
        boolean predicted = false;
        switch (opt.mode()) {
            case SPARSE -> {
                var strokes = source.strokes(it);
                int[] size = ImageLoader.orientedSize(it.imagePath());
                mask = LabelRasterizer.rasterize(size[0], size[1], strokes, vocIndexById::get);
                if (mask.labelledCount() == 0) {
                    return null;
                }
            }
            default -> {
                mask = it.hasAcceptedMask() ? source.acceptedMask(it) : null;
                if (mask == null && opt.mode() == ExportMode.PREDICTED) {
                    mask = source.predictedMask(it);
                    predicted = true;
                }
                if (mask == null) {
                    if (opt.mode() == ExportMode.DONE) {
                        throw new IOException("image " + it.imagePath() + " is marked done but has no accepted mask");
                    }
                    return null;
                }
            }
        }
        checkValues(mask, id, defined, warnings);
        writeImage(it.imagePath(), jpegDir.resolve(id + ".jpg"), mask);
        writeSynced(maskDir.resolve(id + ".png"), PalettePng.encode(mask, opt.pngLevel()));
        return new Written(it.imageId(), id, it.split() == Split.VAL ? Split.VAL : Split.TRAIN, predicted);
    }

    private static void checkValues(LabelMap mask, String id, Set<Integer> defined, List<String> warnings) {
        boolean[] seen = new boolean[256];
        for (byte b : mask.data()) {
            seen[b & 0xff] = true;
        }
        for (int v = 0; v < 255; v++) {
            if (seen[v] && !defined.contains(v)) {
                warnings.add("mask " + id + " uses class index " + v + ", which no class of the project has");
            }
        }
    }

    /** Copies a JPEG that needs no rotation (3 components) byte for byte; decodes and encodes (q95) anything else. */
    private static void writeImage(Path src, Path dst, LabelMap mask) throws IOException {
        byte[] bytes = ImageLoader.readBytes(src);
        if (JpegHeader.isJpeg(bytes)) {
            JpegHeader h = JpegHeader.parse(bytes);
            if (h.orientation == 1 && h.components == 3 && h.width > 0 && JpegHeader.hasEndMarker(bytes, h.sosOffset)) {
                checkSize(src, h.width, h.height, mask);
                writeSynced(dst, bytes);
                return;
            }
        }
        RgbImage img = ImageLoader.decode(bytes, src);
        checkSize(src, img.width(), img.height(), mask);
        writeSynced(dst, ImageWriter.encodeJpeg(img));
    }

    private static void checkSize(Path src, int w, int h, LabelMap mask) throws VocFormatException {
        if (w != mask.width() || h != mask.height()) {
            throw new VocFormatException("image " + src + " is " + w + "×" + h + " but its mask is " + mask.width() + "×"
                    + mask.height());
        }
    }

    /**
     * VOC ids for all images: the stem with every character other than letters, digits, '-', '_', '.' replaced by
     * '_' (leading dots too; empty → "image"; longer than {@value #MAX_ID} characters: cut, with a hash of the
     * whole appended), then made unique case-insensitively by suffixes _2, _3, ... Images
     * are taken in image-id order (the order they entered the project), so adding images never changes the id of
     * an image already there.
     */
    public static Map<Long, String> assignIds(List<ExportSource.Item> items) {
        List<ExportSource.Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingLong(ExportSource.Item::imageId));
        Set<String> taken = new HashSet<>();
        Map<Long, String> ids = new HashMap<>();
        for (ExportSource.Item it : sorted) {
            String base = safeStem(it.stem());
            String id = base;
            for (int k = 2; !taken.add(id.toLowerCase(Locale.ROOT)); k++) {
                id = base + "_" + k;
            }
            ids.put(it.imageId(), id);
        }
        return ids;
    }

    /** Longest id kept as it is: room for a "_NN" suffix and "_confidence.png" within a 255-byte file name. */
    static final int MAX_ID = 230;

    static String safeStem(String stem) {
        if (stem.length() > MAX_ID) {
            // a very long stem: its start and a short hash of the whole (file names are limited to 255 bytes)
            String hash = Integer.toHexString(stem.hashCode() & 0x7fffffff);
            return safeStem(stem.substring(0, MAX_ID - 1 - hash.length())) + "-" + hash;
        }
        StringBuilder b = new StringBuilder(stem.length());
        for (int i = 0; i < stem.length(); i++) {
            char c = stem.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || (c == '.' && b.length() > 0);
            b.append(ok ? c : '_');
        }
        return b.length() == 0 ? "image" : b.toString();
    }

    private static void checkTarget(Path out, boolean overwrite) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new FileAlreadyExistsException(out + " exists and is not a folder");
        }
        if (isEmptyDir(out)) {
            return;
        }
        if (!overwrite) {
            throw new FileAlreadyExistsException(out + " is not empty; pass --overwrite to replace it");
        }
        if (!Files.exists(out.resolve(MARKER))) {
            throw new FileAlreadyExistsException(out + " is not empty and was not written by a ScribbleSeg export, so "
                    + "--overwrite will not delete it; choose a new or empty folder");
        }
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void commit(Path tmp, Path out, boolean overwrite) throws IOException {
        checkTarget(out, overwrite); // again: it may have changed while we wrote
        if (!Files.exists(out)) {
            move(tmp, out);
            return;
        }
        if (isEmptyDir(out)) {
            Files.delete(out);
            move(tmp, out);
            return;
        }
        Path aside = out.resolveSibling(out.getFileName() + ExportRecovery.OLD + randomHex());
        move(out, aside);
        try {
            move(tmp, out);
        } catch (IOException e) {
            move(aside, out);
            throw e;
        }
        org.scribbleseg.engine.util.FileTrees.delete(aside);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void writeList(Path file, List<String> ids) throws IOException {
        List<String> sorted = new ArrayList<>(ids);
        Collections.sort(sorted);
        StringBuilder b = new StringBuilder();
        for (String id : sorted) {
            b.append(id).append('\n');
        }
        writeSynced(file, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open a folder for sync (Windows); the rename is still atomic there
        }
    }

    private static String randomHex() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static IOException unwrap(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error er) {
            throw er;
        }
        return new IOException(t);
    }
}
