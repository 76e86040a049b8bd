package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.DialogPane;
import javafx.scene.control.RadioButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.PreLabelSource;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Tools → Zero-shot pre-labels…: the three choices (ZeroSeg from a run disabled while there is none), the live-head
 * source saved in the project, and MaskCLIP without installed CLIP weights says how to install them.
 */
class ZeroShotDialogTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "zeroshot", images -> TestImages.grey(images, "a.png", 40, 30, GREY), ZeroShotDialogTest::setup);
    }

    private static void setup(ProjectStore s) {
        s.setSetting(MainWindow.LIVE_UPDATE, "false");
        s.addClass("cat", 0xff0000, 8, "", List.of());
    }

    @Test
    void choicesSettingAndMissingWeights(FxRobot robot) throws Exception {
        waitIdle();
        System.setProperty("scribbleseg.models", java.nio.file.Files.createTempDirectory("no-models").toString());
        try {
            Platform.runLater(() -> ZeroShotDialog.open(app.window()));
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#zsSource").tryQuery().isPresent()));
            assertThat(fx(() -> robot.lookup("#zsLatest").queryAs(RadioButton.class).isDisabled())).isTrue();
            assertThat(fx(() -> robot.lookup("#zsMaskclip").queryAs(RadioButton.class).isSelected())).isTrue();
            fx(() -> {
                @SuppressWarnings("unchecked")
                ChoiceBox<String> source = robot.lookup("#zsSource").queryAs(ChoiceBox.class);
                assertThat(source.getItems()).containsExactly("maskclip", "zeroseg", "both");
                assertThat(source.getValue()).isEqualTo("both");
                source.setValue("zeroseg");
                DialogPane pane = (DialogPane) source.getScene().getRoot();
                ((Button) pane.lookupButton(ButtonType.OK)).fire();
                return null;
            });
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> store().setting(PreLabelSource.SETTING).orElse("").equals("zeroseg"));
            WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> robot.lookup(".toast-text").queryAll().stream()
                    .anyMatch(n -> ((javafx.scene.control.Label) n).getText().contains("CLIP weights not installed"))));
        } finally {
            System.clearProperty("scribbleseg.models");
        }
    }
}
