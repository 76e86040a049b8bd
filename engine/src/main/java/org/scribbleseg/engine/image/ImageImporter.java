package org.scribbleseg.engine.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.scribbleseg.engine.util.TaskMonitor;
import org.scribbleseg.engine.util.ThreadPools;

/**
 * Imports image files and folders into an {@link ImageSink}. Folders are walked recursively in sorted path order;
 * symbolic links to images or folders are not followed and are reported as skipped, as are image types we do not
 * decode (GIF, HEIF...); hidden files and folders (name starting with '.') and other files are left out of folders
 * silently (a file named explicitly with another extension is reported as skipped). Images over the pixel limit are
 * refused from their header. Every candidate is probed completely (read, hashed, decoded) before {@link ImageSink#add} is called, so
 * a file that fails is reported and nothing of it reaches the sink. Probing runs on up to two worker threads; the
 * sink and the progress callback are only called from the calling thread, in file order.
 */
public final class ImageImporter {
    /** File extensions (lower case, no dot) taken from folders. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "jpe", "jfif", "png", "tif", "tiff", "bmp",
            "dib", "webp");

    /** Image file types found in folders that are not taken, and why (reported, never dropped silently). */
    static final Map<String, String> UNSUPPORTED = Map.of(
            "gif", "GIF is not supported (convert it to PNG)",
            "heic", "HEIF/HEIC is not supported (convert it to JPEG or PNG)",
            "heif", "HEIF/HEIC is not supported (convert it to JPEG or PNG)",
            "avif", "AVIF is not supported (convert it to JPEG or PNG)",
            "jxl", "JPEG XL is not supported (convert it to JPEG or PNG)");

    /** Files probed at once. */
    static final int PROBE_THREADS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

    private ImageImporter() {
    }

    public static ImportReport importPaths(List<Path> inputs, ImageSink sink) throws IOException {
        return importPaths(inputs, sink, TaskMonitor.NONE);
    }

    /**
     * Imports the given files and folders. Progress after each file: (files done, files in total, the file's name).
     * {@code monitor} is asked whether it is cancelled between files; when it is, the import stops and reports what it
     * did so far.
     */
    public static ImportReport importPaths(List<Path> inputs, ImageSink sink, TaskMonitor monitor) throws IOException {
        return importPaths(inputs, sink, monitor, ImageLimits.pixels(ImageLimits.DEFAULT_MEGAPIXELS));
    }

    /** As {@link #importPaths(List, ImageSink, TaskMonitor)}; images over {@code maxPixels} are skipped. */
    public static ImportReport importPaths(List<Path> inputs, ImageSink sink, TaskMonitor monitor, long maxPixels)
            throws IOException {
        try (ThreadPools own = new ThreadPools("image import")) {
            return importPaths(inputs, sink, monitor, maxPixels, own);
        }
    }

    /** As {@link #importPaths(List, ImageSink, TaskMonitor, long)}, probing on a pool of {@code threads} (the engine's). */
    public static ImportReport importPaths(List<Path> inputs, ImageSink sink, TaskMonitor monitor, long maxPixels,
            ThreadPools threads) throws IOException {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        List<ImportReport.Skipped> skipped = new ArrayList<>();
        List<Path> files = collect(inputs, skipped);
        List<ImageInfo> added = new ArrayList<>();
        List<ImportReport.Duplicate> duplicates = new ArrayList<>();
        Map<String, Path> firstBySha = new HashMap<>();
        int done = 0;
        // probing (read, hash, decode) runs on PROBE_THREADS workers, a bounded window ahead; the sink is only
        // called from this thread, in file order
        ExecutorService pool = threads.fixed("sseg-image-probe", PROBE_THREADS, Thread.NORM_PRIORITY);
        try {
            ArrayDeque<Future<Object>> window = new ArrayDeque<>();
            int next = 0;
            for (Path f : files) {
                while (next < files.size() && window.size() < 2 * PROBE_THREADS + 2) {
                    Path g = files.get(next++);
                    window.add(pool.submit(() -> {
                        try {
                            return ImageLoader.probe(g, maxPixels);
                        } catch (ImageDecodeException e) {
                            return e;
                        }
                    }));
                }
                if (progress.isCancelled()) {
                    break;
                }
                Object r = await(window.poll());
                if (r instanceof ImageDecodeException e) {
                    skipped.add(new ImportReport.Skipped(f, e.reasonText()));
                } else {
                    ImageInfo info = (ImageInfo) r;
                    Path first = firstBySha.get(info.sha256());
                    if (first != null) {
                        duplicates.add(new ImportReport.Duplicate(f, info.sha256(), first));
                    } else if (sink.exists(info.sha256())) {
                        duplicates.add(new ImportReport.Duplicate(f, info.sha256(), null));
                    } else {
                        sink.add(info, f);
                        firstBySha.put(info.sha256(), f);
                        added.add(info);
                    }
                }
                progress.progress(++done, files.size(), String.valueOf(f.getFileName()));
            }
        } finally {
            pool.shutdownNow();
        }
        return new ImportReport(added, skipped, duplicates);
    }

    private static Object await(Future<Object> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("import interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error er) {
                throw er;
            }
            throw new IOException(e.getCause());
        }
    }

    /** The image files named by {@code inputs}, each once, files of a folder in sorted order. */
    static List<Path> collect(List<Path> inputs, List<ImportReport.Skipped> skipped) throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (Path in : inputs) {
            Path p = in.toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                List<Path> found = new ArrayList<>();
                Files.walkFileTree(p, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        return !d.equals(p) && d.getFileName().toString().startsWith(".") ? FileVisitResult.SKIP_SUBTREE
                                : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                        if (f.getFileName().toString().startsWith(".")) {
                            return FileVisitResult.CONTINUE;
                        }
                        if (attrs.isSymbolicLink()) {
                            if (hasImageExtension(f) || UNSUPPORTED.containsKey(extension(f)) || Files.isDirectory(f)) {
                                skipped.add(new ImportReport.Skipped(f, "a symbolic link: not followed (import the file or "
                                        + "folder it points to)"));
                            }
                        } else if (attrs.isRegularFile() && hasImageExtension(f)) {
                            found.add(f);
                        } else if (attrs.isRegularFile() && UNSUPPORTED.containsKey(extension(f))) {
                            skipped.add(new ImportReport.Skipped(f, UNSUPPORTED.get(extension(f))));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) {
                        skipped.add(new ImportReport.Skipped(f, "unreadable (" + e.getClass().getSimpleName() + ")"));
                        return FileVisitResult.CONTINUE;
                    }
                });
                found.sort(null);
                out.addAll(found);
            } else if (!Files.exists(p)) {
                skipped.add(new ImportReport.Skipped(in, "unreadable (no such file)"));
            } else if (!hasImageExtension(p)) {
                skipped.add(new ImportReport.Skipped(in, "not an image file type (." + extension(p) + ")"));
            } else {
                out.add(p);
            }
        }
        return new ArrayList<>(out);
    }

    public static boolean hasImageExtension(Path p) {
        return EXTENSIONS.contains(extension(p));
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
