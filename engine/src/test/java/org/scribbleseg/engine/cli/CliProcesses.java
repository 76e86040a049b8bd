package org.scribbleseg.engine.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;

/** The real CLI in child JVMs (concurrent writers are other processes), and small image folders for it. */
final class CliProcesses {
    private CliProcesses() {
    }

    /** A running CLI child: its output goes to files, read when it ends. */
    record Child(Process process, Path out, Path err) {
        ProjectCliTest.Run await(long seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("CLI child did not finish in " + seconds + " s: " + Files.readString(err));
            }
            return new ProjectCliTest.Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        }
    }

    static Child start(Path logDir, String name, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Child(p, out, err);
    }

    /** {@code count} distinct small PNGs named {@code prefix<i>.png} in {@code dir}. */
    static Path images(Path dir, String prefix, int first, int count, int w, int h) throws IOException {
        Files.createDirectories(dir);
        SyntheticScenes gen = new SyntheticScenes(3, 7);
        for (int i = first; i < first + count; i++) {
            ImageWriter.writePng(gen.scene(i, w, h).image(), dir.resolve(prefix + i + ".png"));
        }
        return dir;
    }

    /** A new project {@code <name>.sseg} in {@code dir} with classes cat and dog and the images of {@code images}. */
    static Path project(Path dir, String name, Path images) {
        Path p = dir.resolve(name + ".sseg");
        org.assertj.core.api.Assertions.assertThat(ProjectCliTest.cli("init", p.toString(), "--classes", "cat,dog").code()).isZero();
        ProjectCliTest.Run imp = ProjectCliTest.cli("import", p.toString(), images.toString());
        org.assertj.core.api.Assertions.assertThat(imp.code()).as(imp.err()).isZero();
        return p;
    }

    /** Accepts a mask of one value over the whole of the project's {@code index}-th image. */
    static void acceptFullMask(Path project, int index, int value) {
        try (org.scribbleseg.engine.project.ProjectStore s = org.scribbleseg.engine.project.ProjectStore.open(project)) {
            org.scribbleseg.engine.project.ImageEntry e = s.images().get(index);
            byte[] m = new byte[e.width() * e.height()];
            java.util.Arrays.fill(m, (byte) value);
            s.setMask(e.id(), new org.scribbleseg.engine.image.LabelMap(e.width(), e.height(), m), "accepted");
        }
    }
}
