package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The browser shows each image's mean uncertainty once a prediction is known (stored by an earlier session, or live
 * from this one) and sorts the most uncertain first, images without a prediction last.
 */
class ImageBrowserUncertaintyTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "unc", images -> {
            TestImages.twoTone(images, "a.png", 320, 240);
            TestImages.grey(images, "b.png", 320, 240, GREY);
            TestImages.grey(images, "c.png", 320, 240, GREY + 16);
        }, st -> {
            st.addClass("dog", VocPalette.rgb(12), 12, "", List.of());
            LabelMap none = LabelMap.unlabelled(320, 240);
            st.savePrediction(byStem(st, "a").id(), "zeroshot-clip", none, null, 0.2);
            st.savePrediction(byStem(st, "c").id(), "zeroshot-clip", none, null, 0.7);
        });
    }

    @Test
    void mostUncertainFirstWithStoredThenLivePredictions(FxRobot robot) throws Exception {
        waitIdle();
        robot.clickOn("#imageSort").clickOn("Most uncertain first");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> stems().equals(List.of("c", "a", "b")));
        assertThat(robot.lookup("#imageList .label").queryAllAs(Label.class).stream().map(Label::getText))
                .containsSubsequence("c", "uncertainty 0.70", "a", "uncertainty 0.20", "b", "unlabelled · 320×240")
                .filteredOn(t -> t.startsWith("uncertainty")).hasSize(2); // b: no prediction, no uncertainty line

        // a live prediction of a (scribbles on it train the head) replaces the stored value, and the order follows
        ProjectStore store = store();
        long a = byStem(store, "a").id();
        List<ClassDef> classes = store.classes();
        long dog = classes.stream().filter(c -> c.vocIndex() == 12).findFirst().orElseThrow().id();
        long background = classes.stream().filter(c -> c.vocIndex() == 0).findFirst().orElseThrow().id();
        store.commitStroke(a, dog, StrokeKind.SCRIBBLE, 6, new float[] {40, 60, 80, 120, 120, 180});
        store.commitStroke(a, background, StrokeKind.SCRIBBLE, 6, new float[] {200, 60, 240, 120, 280, 180});
        // the live loop may predict several images, several times: wait until the browser shows the engine's newest
        // value for each image it predicted (a at least), then the order must follow those values
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(() -> {
            MainWindow w = app.window();
            return w.engine().latestPrediction(a).isPresent() && w.browser().images().stream().allMatch(e -> w.engine()
                    .latestPrediction(e.id()).map(p -> p.meanUncertainty() == w.browser().uncertainty(e.id())).orElse(true));
        }));
        double live = fx(() -> app.window().browser().uncertainty(a));
        assertThat(live).isNotEqualTo(0.2);
        List<String> expected = fx(() -> {
            ImageBrowser b = app.window().browser();
            return b.images().stream().sorted(java.util.Comparator.comparingDouble((ImageEntry e) ->
                    Double.isNaN(b.uncertainty(e.id())) ? 2 : -b.uncertainty(e.id()))).map(ImageEntry::stem).toList();
        });
        assertThat(stems()).isEqualTo(expected);
        assertThat(robot.lookup("#imageList .label").queryAllAs(Label.class).stream().map(Label::getText))
                .anyMatch(t -> t.endsWith(String.format(java.util.Locale.ROOT, "uncertainty %.2f", live)));
    }

    private List<String> stems() throws Exception {
        return fx(() -> app.window().browser().shown().stream().map(ImageEntry::stem).toList());
    }

    private static ImageEntry byStem(ProjectStore st, String stem) {
        return st.images().stream().filter(e -> e.stem().equals(stem)).findFirst().orElseThrow();
    }
}
