package org.scribbleseg.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * Rebuilds {@code projects/demo/demo.sseg} from {@code projects/demo/images}: run from the repository root with
 * the engine's test classpath, {@code java -cp ... org.scribbleseg.engine.DemoProjectBuilder} (delete the old
 * demo.sseg first).
 */
public final class DemoProjectBuilder {
    private DemoProjectBuilder() {
    }

    public static void main(String[] args) throws Exception {
        Path demo = Path.of(args.length > 0 ? args[0] : "projects/demo");
        build(demo.resolve("images"), demo.resolve("demo.sseg"));
    }

    static void build(Path images, Path project) throws Exception {
        try (ProjectStore s = ProjectStore.create(project)) {
            String[][] classes = {{"background", "0"}, {"bicycle", "2"}, {"bird", "3"}, {"car", "7"}, {"cat", "8"},
                {"dog", "12"}, {"horse", "13"}, {"person", "15"}};
            for (String[] c : classes) {
                int index = Integer.parseInt(c[1]);
                s.addClass(c[0], VocPalette.rgb(index), index, "", List.of(c[0]));
            }
            s.describeClass(id(s, "person"), "people, whole body", List.of("person", "man", "woman", "astronaut"));
            s.describeClass(id(s, "bird"), "birds, including birds of prey", List.of("bird", "eagle"));
            List<Path> files;
            try (Stream<Path> st = Files.list(images)) {
                files = st.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
            }
            int i = 0;
            for (Path f : files) {
                RgbImage img = ImageLoader.load(f);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
                s.addImage(f, sha, img.width(), img.height(), i++ % 4 == 3 ? Split.VAL : Split.TRAIN);
            }
            ImageEntry dog = byName(s, "dog");
            s.commitStroke(dog.id(), id(s, "dog"), StrokeKind.SCRIBBLE, 8, new float[] {265, 262, 252, 320, 218, 380, 204, 440, 232, 470}, 900);
            s.commitStroke(dog.id(), id(s, "bicycle"), StrokeKind.SCRIBBLE, 5, new float[] {330, 212, 400, 262, 440, 330}, 700);
            s.commitStroke(dog.id(), id(s, "background"), StrokeKind.SCRIBBLE, 10, new float[] {500, 500, 620, 515, 740, 520}, 600);
            s.commitStroke(dog.id(), id(s, "background"), StrokeKind.SCRIBBLE, 10, new float[] {400, 60, 500, 50, 600, 40}, 500);
            s.commitStroke(dog.id(), id(s, "car"), StrokeKind.POINT, 8, new float[] {560, 120}, 150);
            s.setTag(dog.id(), id(s, "dog"), true);
            s.setTag(dog.id(), id(s, "cat"), false);
            ImageEntry horses = byName(s, "horses");
            s.commitStroke(horses.id(), id(s, "horse"), StrokeKind.SCRIBBLE, 7, new float[] {100, 262, 200, 242, 290, 232}, 800);
            s.commitStroke(horses.id(), id(s, "horse"), StrokeKind.SCRIBBLE, 6, new float[] {340, 240, 360, 300}, 400);
            s.commitStroke(horses.id(), id(s, "horse"), StrokeKind.SCRIBBLE, 6, new float[] {500, 252, 560, 242}, 400);
            s.commitStroke(horses.id(), id(s, "background"), StrokeKind.SCRIBBLE, 12, new float[] {100, 460, 400, 470, 700, 470}, 900);
            s.commitStroke(horses.id(), id(s, "background"), StrokeKind.SCRIBBLE, 12, new float[] {100, 80, 400, 70, 700, 60}, 900);
            s.setTag(horses.id(), id(s, "horse"), true);
            s.setTag(horses.id(), id(s, "person"), false);
        }
    }

    private static long id(ProjectStore s, String name) {
        return s.classByName(name).map(ClassDef::id).orElseThrow();
    }

    private static ImageEntry byName(ProjectStore s, String stem) {
        return s.images().stream().filter(e -> e.stem().equals(stem)).findFirst().orElseThrow();
    }
}
