package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.scribbleseg.engine.util.FileTrees;

/**
 * What an export killed half-way leaves beside its target, put right by the next export to the same folder:
 * {@code <out>.partial-<pid>-<random>} folders of exports no longer running are deleted; when {@code <out>} is missing
 * because the kill came between moving the old export aside ({@code <out>.old-<random>}) and moving the new one in,
 * the old export is moved back; an old one left after a completed replacement is deleted.
 */
final class ExportRecovery {
    static final String PARTIAL = ".partial-";
    static final String OLD = ".old-";

    private ExportRecovery() {
    }

    /** Cleans up beside {@code out}; returns what was done, for the export's warnings. */
    static List<String> recover(Path out) throws IOException {
        Path parent = out.getParent();
        List<String> done = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return done;
        }
        String name = out.getFileName().toString();
        List<Path> partials = new ArrayList<>();
        List<Path> olds = new ArrayList<>();
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(name + PARTIAL) && Files.isDirectory(p)) {
                    partials.add(p);
                } else if (n.startsWith(name + OLD) && Files.isDirectory(p) && Files.exists(p.resolve(VocExporter.MARKER))) {
                    olds.add(p);
                }
            }
        }
        for (Path p : partials) {
            if (!running(p.getFileName().toString().substring(name.length() + PARTIAL.length()))) {
                FileTrees.delete(p);
                done.add("removed " + p.getFileName() + " left by an interrupted export");
            }
        }
        if (olds.isEmpty()) {
            return done;
        }
        olds.sort(Comparator.comparing(ExportRecovery::modified).reversed());
        if (!Files.exists(out)) {
            Path back = olds.remove(0);
            Files.move(back, out);
            done.add("restored " + out + " from " + back.getFileName() + " (an export was interrupted while replacing it)");
        }
        for (Path p : olds) {
            FileTrees.delete(p);
            done.add("removed " + p.getFileName() + " left by an interrupted export");
        }
        return done;
    }

    /** Whether the export that named its partial folder {@code <pid>-<random>} is still running. */
    private static boolean running(String tail) {
        int dash = tail.indexOf('-');
        if (dash <= 0) {
            return false; // written before the pid was part of the name
        }
        try {
            long pid = Long.parseLong(tail.substring(0, dash));
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            return h.isPresent() && h.get().isAlive();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
