package org.scribbleseg.engine.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.cli.Main;

/**
 * The shipped demo is a template: the CLI works on its working copy in the user data folder (made on first use,
 * with the images beside it), `demo --reset` makes it afresh, and the repository's demo folder never changes.
 */
class WorkingCopiesTest {
    static final Path TEMPLATE = Path.of("..", "projects", "demo", "demo.sseg").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @BeforeEach
    void dataDir() {
        System.setProperty("scribbleseg.data", tmp.resolve("data").toString());
    }

    @AfterEach
    void clear() {
        System.clearProperty("scribbleseg.data");
    }

    static Map<String, String> listing(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                m.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "dir" : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void theCliWorksOnTheDemosWorkingCopyAndResetsIt() throws Exception {
        assertThat(WorkingCopies.isTemplate(TEMPLATE)).isTrue();
        Map<String, String> before = listing(TEMPLATE.getParent());
        Path copy = tmp.resolve("data/projects/demo/demo.sseg");

        String[] info = cli("info", TEMPLATE.toString(), "--json");
        assertThat(info[0]).as(info[2]).isEqualTo("0");
        assertThat(info[1]).contains(copy.toString());
        assertThat(copy.resolve("project.db")).isRegularFile();
        assertThat(copy.resolveSibling("images").resolve("astronaut.png")).hasSameBinaryContentAs(TEMPLATE.resolveSibling("images").resolve("astronaut.png"));
        assertThat(WorkingCopies.templateOf(copy)).contains(TEMPLATE);

        long shipped;
        try (Engine e = Engine.open(copy)) {
            ProjectStore s = e.store();
            for (ImageEntry img : s.images()) {
                assertThat(e.loadImage(img).width()).isEqualTo(img.width()); // every image resolves in the copy
            }
            shipped = s.images().stream().mapToLong(i -> s.strokes(i.id()).size()).sum();
            s.commitStroke(s.images().get(0).id(), s.classes().get(1).id(), StrokeKind.SCRIBBLE, 4, new float[] {1, 1, 30, 30});
        }
        String[] demo = cli("demo", TEMPLATE.toString());
        assertThat(demo[0]).isEqualTo("0");
        assertThat(demo[1]).contains("working copy: " + copy);
        try (ProjectStore s = ProjectStore.open(copy)) {
            assertThat(s.images().stream().mapToLong(i -> s.strokes(i.id()).size()).sum()).isEqualTo(shipped + 1); // kept
        }
        String[] reset = cli("demo", "--reset", TEMPLATE.toString());
        assertThat(reset[0]).as(reset[2]).isEqualTo("0");
        assertThat(reset[1]).contains("fresh working copy: " + copy);
        try (ProjectStore s = ProjectStore.open(copy)) {
            assertThat(s.images().stream().mapToLong(i -> s.strokes(i.id()).size()).sum()).isEqualTo(shipped);
        }
        assertThat(cli("demo", tmp.toString())[2]).contains("is not a template project");
        assertThat(listing(TEMPLATE.getParent())).isEqualTo(before);
    }
}
