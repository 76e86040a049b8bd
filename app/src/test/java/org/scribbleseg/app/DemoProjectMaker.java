package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * Builds a throwaway project for screenshots: copies the demo photographs to {@code <out>/images}, creates
 * {@code <out>/images/screens.sseg} with a few VOC classes, scribbles on dog.jpg and horses.jpg and some tags.
 * Usage: {@code DemoProjectMaker <demo-images-folder> <out-folder>}.
 */
public final class DemoProjectMaker {
    private DemoProjectMaker() {
    }

    public static void main(String[] args) throws Exception {
        Path src = Path.of(args[0]);
        Path images = Files.createDirectories(Path.of(args[1]).resolve("images"));
        try (Stream<Path> s = Files.list(src)) {
            for (Path f : s.filter(org.scribbleseg.engine.image.ImageImporter::hasImageExtension).toList()) {
                Files.copy(f, images.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ProjectCreator.Result r = ProjectCreator.create(images, "screens", null);
        try (var engine = r.engine()) {
            ProjectStore st = engine.store();
            ClassDef dog = st.addClass("dog", VocPalette.rgb(12), 12, "domestic dog", List.of("dog", "puppy"));
            ClassDef bicycle = st.addClass("bicycle", VocPalette.rgb(2), 2, "", List.of("bicycle", "bike"));
            ClassDef car = st.addClass("car", VocPalette.rgb(7), 7, "", List.of("car", "pickup truck"));
            ClassDef horse = st.addClass("horse", VocPalette.rgb(13), 13, "", List.of("horse", "pony"));
            ClassDef person = st.addClass("person", VocPalette.rgb(15), 15, "", List.of("person", "people"));
            long bg = st.classByIndex(0).orElseThrow().id();
            ImageEntry dogImg = st.images().stream().filter(e -> e.stem().equals("dog")).findFirst().orElseThrow();
            long d = dogImg.id();
            st.commitStroke(d, dog.id(), StrokeKind.SCRIBBLE, 9, new float[] {262, 262, 250, 300, 235, 345, 215, 400, 200, 450, 215, 500, 245, 512});
            st.commitStroke(d, dog.id(), StrokeKind.SCRIBBLE, 7, new float[] {180, 360, 175, 420, 190, 470});
            st.commitStroke(d, bicycle.id(), StrokeKind.SCRIBBLE, 5, new float[] {245, 208, 320, 208, 405, 210, 385, 300, 360, 345, 330, 330});
            st.commitStroke(d, bicycle.id(), StrokeKind.SCRIBBLE, 4, new float[] {400, 225, 430, 290, 470, 340});
            st.commitStroke(d, car.id(), StrokeKind.SCRIBBLE, 7, new float[] {490, 110, 560, 115, 620, 130, 665, 145});
            st.commitStroke(d, bg, StrokeKind.SCRIBBLE, 10, new float[] {360, 470, 470, 500, 600, 490, 700, 470});
            st.commitStroke(d, bg, StrokeKind.SCRIBBLE, 9, new float[] {600, 290, 650, 330, 690, 380});
            st.commitStroke(d, bg, StrokeKind.SCRIBBLE, 9, new float[] {290, 40, 360, 60, 440, 40});
            st.commitStroke(d, bg, StrokeKind.POINT, 8, new float[] {110, 300});
            st.commitStroke(d, null, StrokeKind.IGNORE, 6, new float[] {80, 85, 95, 100});
            st.setTag(d, dog.id(), true);
            st.setTag(d, bicycle.id(), true);
            st.setTag(d, horse.id(), false);
            st.setTag(d, person.id(), false);
            ImageEntry horses = st.images().stream().filter(e -> e.stem().equals("horses")).findFirst().orElseThrow();
            st.commitStroke(horses.id(), horse.id(), StrokeKind.SCRIBBLE, 8, new float[] {200, 200, 260, 230, 320, 240});
            st.setTag(horses.id(), horse.id(), true);
            st.setSetting(MainWindow.LAST_IMAGE, Long.toString(d));
            System.out.println(st.root());
        }
    }
}
