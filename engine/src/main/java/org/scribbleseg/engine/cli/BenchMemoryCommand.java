package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.bench.MemoryBenchmark;
import org.scribbleseg.engine.util.LauncherFlags;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench memory}: resident memory of a large project in the live loop (default: 10,000 images of 2048×1536,
 * 500 of them scribbled, DINOv2-B-shaped features cached up to the project's cache limit). The project is built in
 * this process, then measured in a fresh child JVM with the packaged app's heap limit, so the figure is what the app
 * would hold.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "RSS of a large project (images, labelled images, cached ViT-shaped features) after opening and after strokes.")
public final class BenchMemoryCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--images", defaultValue = "10000", description = "Images in the project. Default ${DEFAULT-VALUE}.")
    int images;

    @Option(names = "--labelled", defaultValue = "500", description = "Images with scribbles. Default ${DEFAULT-VALUE}.")
    int labelled;

    @Option(names = "--strokes", defaultValue = "50", description = "Strokes drawn after opening. Default ${DEFAULT-VALUE}.")
    int strokes;

    @Option(names = "--width", defaultValue = "2048", description = "Image width. Default ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--height", defaultValue = "1536", description = "Image height. Default ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--vit", defaultValue = "dinov2-base", description = "Feature shape: dinov2-small (384 ch) or dinov2-base (768 ch). Default ${DEFAULT-VALUE}.")
    String vit;

    @Option(names = "--scenes", defaultValue = "8", description = "Distinct synthetic scenes the images are copies of. Default ${DEFAULT-VALUE}.")
    int scenes;

    @Option(names = "--scribbles-per-image", defaultValue = "0", description = "Scribbles drawn on each labelled image (0: "
            + "one per object, as the simulated annotator does). Default ${DEFAULT-VALUE}.")
    int scribblesPerImage;

    @Option(names = "--xmx", defaultValue = "4g", description = "Heap limit of the measured JVM (the packaged app uses 4g). Default ${DEFAULT-VALUE}.")
    String xmx;

    @Option(names = "--workdir", description = "Build the project here and reuse it next time (default: a temporary folder, deleted).")
    Path workdir;

    @Option(names = "--measure-only", hidden = true, description = "Internal: measure the project in --workdir in this JVM.")
    boolean measureOnly;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter log = json ? err : out;
        if (images < 2 || labelled < 1 || labelled >= images || strokes < 1 || scenes < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "need --images >= 2, 1 <= --labelled < --images, --strokes >= 1, --scenes >= 1");
        }
        try {
            LauncherFlags.megabytes(xmx);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--xmx: " + e.getMessage());
        }
        MemoryBenchmark.Setup setup = new MemoryBenchmark.Setup(images, labelled, width, height, vit, scenes, scribblesPerImage);
        if (measureOnly) {
            if (workdir == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--measure-only needs --workdir");
            }
            Map<String, Object> r = MemoryBenchmark.measure(workdir.resolve("bench-memory.sseg"), setup, strokes, log);
            out.println(new ObjectMapper().writeValueAsString(r));
            out.flush();
            return 0;
        }
        Path dir = workdir != null ? Files.createDirectories(workdir) : Files.createTempDirectory("sseg-bench-memory");
        try {
            MemoryBenchmark.prepare(dir, setup, log);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(LauncherFlags.memory(xmx)); // the launchers' memory flags (app, CLI, packaged app)
            cmd.add("-Dai.djl.offline=true");
            cmd.add("-DOPT_OUT_TRACKING=true");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.addAll(List.of("bench", "memory", "--measure-only", "--workdir", dir.toString(), "--images", Integer.toString(images),
                    "--labelled", Integer.toString(labelled), "--strokes", Integer.toString(strokes), "--width", Integer.toString(width),
                    "--height", Integer.toString(height), "--vit", vit, "--scenes", Integer.toString(scenes),
                    "--scribbles-per-image", Integer.toString(scribblesPerImage)));
            log.printf("measuring in a fresh JVM (-Xmx%s)%n", xmx);
            log.flush();
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String result = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            int code = p.waitFor();
            if (code != 0 || result.isEmpty()) {
                err.println("the measured JVM failed (exit " + code + ")");
                return 1;
            }
            String json1 = result.substring(result.lastIndexOf('\n') + 1);
            @SuppressWarnings("unchecked")
            Map<String, Object> r = new ObjectMapper().readValue(json1, Map.class);
            log.printf("%d images (%d labelled) %dx%d, %s-shaped features: RSS after opening %s MB, after %s strokes %s MB,"
                    + " peak %s MB (heap limit %s); feature cache %s GB in %s maps; strokes p50 %s ms, p95 %s ms%n", images, labelled,
                    width, height, vit, r.get("rss_after_open_mb"), strokes, r.get("rss_after_strokes_mb"), r.get("peak_rss_mb"), xmx,
                    r.get("feature_cache_gb"), r.get("feature_cache_maps"), r.get("stroke_p50_ms"), r.get("stroke_p95_ms"));
            if (json) {
                out.println(json1);
            }
            out.flush();
            return 0;
        } finally {
            if (workdir == null) {
                org.scribbleseg.engine.util.FileTrees.delete(dir);
            }
        }
    }
}
