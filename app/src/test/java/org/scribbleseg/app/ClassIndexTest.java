package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ProjectStore;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The palette's VOC index field: refused values show inline and change nothing; an accepted one remaps the masks. */
class ClassIndexTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "index", images -> TestImages.grey(images, "a.png", 40, 30, GREY), ClassIndexTest::setup);
    }

    private static void setup(ProjectStore s) {
        s.setSetting(MainWindow.LIVE_UPDATE, "false");
        s.addClass("cat", VocPalette.rgb(8), 8, "", List.of());
        s.addClass("dog", VocPalette.rgb(12), 12, "", List.of());
        long image = s.images().get(0).id();
        byte[] d = new byte[40 * 30];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i % 40 < 10 ? 8 : i % 40 < 20 ? 12 : i % 40 < 30 ? 0 : 255);
        }
        s.setMask(image, new LabelMap(40, 30, d), "accepted");
    }

    private void typeIndex(FxRobot robot, String value) throws Exception {
        TextField field = robot.lookup("#classIndex").queryAs(TextField.class);
        robot.clickOn(field);
        fx(() -> {
            field.selectAll();
            return null;
        });
        robot.write(value).type(KeyCode.ENTER);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void changingTheVocIndexInThePaletteRemapsTheStoredMask(FxRobot robot) throws Exception {
        waitIdle();
        long image = store().images().get(0).id();
        ClassDef cat = store().classByName("cat").orElseThrow();
        fx(() -> {
            app.window().palette().selectByNumber(2);
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(fx(() -> app.window().palette().selectedProperty().get().id())).isEqualTo(cat.id());
        Label error = robot.lookup("#classIndexError").queryAs(Label.class);
        assertThat(fx(error::isVisible)).isFalse();

        typeIndex(robot, "12");
        assertThat(fx(error::isVisible)).isTrue();
        assertThat(fx(error::getText)).contains("already used by 'dog'");
        typeIndex(robot, "300");
        assertThat(fx(error::getText)).contains("0..254");
        typeIndex(robot, "x");
        assertThat(fx(error::getText)).contains("whole number");
        assertThat(store().classByName("cat").orElseThrow().vocIndex()).isEqualTo(8);
        assertThat(store().mask(image).orElseThrow().labels().get(5, 5)).isEqualTo(8);

        typeIndex(robot, "20");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().classByName("cat").orElseThrow().vocIndex() == 20);
        LabelMap m = store().mask(image).orElseThrow().labels();
        assertThat(m.get(5, 5)).isEqualTo(20);
        assertThat(m.get(15, 5)).isEqualTo(12);
        assertThat(m.get(25, 5)).isEqualTo(0);
        assertThat(m.get(35, 5)).isEqualTo(255);
        for (byte b : m.data()) {
            assertThat(b & 0xff).isNotEqualTo(8);
        }
        assertThat(fx(error::isVisible)).isFalse();
        // the palette list shows the new index
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> app.window().palette().classes().stream()
                .anyMatch(c -> c.id() == cat.id() && c.vocIndex() == 20)));
    }
}
