package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DialogPane;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Tools → Train SemiVL… opens the dialog (model, device, budget, crop); the generic Train menu leaves semivl to it. */
class SemiVlDialogTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @Test
    void toolsMenuOpensTheSemiVlDialog(FxRobot robot) throws Exception {
        waitIdle();
        MenuItem item = fx(() -> {
            MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
            assertThat(bar.getMenus().stream().filter(m -> m.getText().equals("Train")).flatMap(m -> m.getItems().stream()))
                    .noneMatch(i -> "train-semivl".equals(i.getId()));
            return bar.getMenus().stream().filter(m -> m.getText().equals("Tools")).flatMap(m -> m.getItems().stream())
                    .filter(i -> "Train SemiVL…".equals(i.getText())).findFirst().orElseThrow();
        });
        Platform.runLater(item::fire);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#semivl-model").tryQuery().isPresent()));
        assertThat(fx(() -> robot.lookup("#semivl-device").queryAs(ComboBox.class).getValue())).isEqualTo("auto");
        assertThat(fx(() -> robot.lookup("#semivl-crop").queryAs(ComboBox.class).getItems())).contains("auto", "224", "512");
        fx(() -> {
            robot.lookup("#semivl-model").queryAs(TextField.class).setText("");
            DialogPane pane = (DialogPane) robot.lookup("#semivl-model").query().getScene().getRoot();
            assertThat(pane.lookupButton(ButtonType.OK).isDisabled()).as("OK needs a model").isTrue();
            ((Button) pane.lookupButton(ButtonType.CANCEL)).fire();
            return null;
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#semivl-model").tryQuery().isEmpty()));
        var c = new SemiVlDialog.Choice(Path.of("/models/clip"), "cpu", 30, 224).config();
        assertThat(c).containsEntry("budget_seconds", 1800).containsEntry("crop", 224).containsEntry("model", Path.of("/models/clip").toAbsolutePath().toString());
    }
}
