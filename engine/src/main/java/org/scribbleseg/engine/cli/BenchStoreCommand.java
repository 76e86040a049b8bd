package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.StrokeKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Stroke commit latency (durable, fsynced) and project open time with many images, on a scratch project. */
@Command(name = "store", description = "Benchmark: stroke commit latency p50/p95 and project open time with N images.")
public final class BenchStoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--strokes", defaultValue = "500", description = "strokes to commit (default ${DEFAULT-VALUE})")
    int strokes;

    @Option(names = "--images", defaultValue = "10000", description = "images in the project to open (default ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--dir", description = "scratch folder (default: a temp folder, deleted afterwards)")
    Path dir;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path base = dir != null ? dir : Files.createTempDirectory("sseg-bench-store");
        Path proj = base.resolve("bench-" + System.nanoTime() + ".sseg");
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            long[] commitNs = new long[strokes];
            long addStart = System.nanoTime();
            try (ProjectStore s = ProjectStore.create(proj)) {
                ClassDef c = s.addClass("thing", 0xff0000, 1, "", List.of());
                ImageEntry first = null;
                for (int i = 0; i < images; i++) {
                    ImageEntry e = s.addImage(base.resolve("img/" + i + ".jpg"), String.format("%064x", i), 1024, 768, Split.NONE);
                    if (first == null) {
                        first = e;
                    }
                }
                r.put("add_images_s", (System.nanoTime() - addStart) / 1e9);
                Random rnd = new Random(7);
                for (int i = 0; i < strokes; i++) {
                    float[] pts = new float[80]; // a 40-point scribble
                    for (int k = 0; k < pts.length; k++) {
                        pts[k] = rnd.nextFloat() * 1000;
                    }
                    long t0 = System.nanoTime();
                    s.commitStroke(first.id(), c.id(), StrokeKind.SCRIBBLE, 6, pts, 300);
                    commitNs[i] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(commitNs);
            r.put("strokes", strokes);
            r.put("commit_p50_ms", pct(commitNs, 0.50) / 1e6);
            r.put("commit_p95_ms", pct(commitNs, 0.95) / 1e6);
            r.put("commit_max_ms", commitNs[commitNs.length - 1] / 1e6);
            long o0 = System.nanoTime();
            int listed;
            try (ProjectStore s = ProjectStore.open(proj)) {
                listed = s.images().size();
            }
            r.put("images", listed);
            r.put("open_and_list_ms", (System.nanoTime() - o0) / 1e6);
        } finally {
            if (dir == null) {
                org.scribbleseg.engine.util.FileTrees.delete(base);
            }
        }
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r));
        } else {
            r.forEach((k, v) -> out.printf("%-18s %s%n", k, v instanceof Double d ? String.format("%.3f", d) : v));
        }
        return 0;
    }

    static long pct(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
