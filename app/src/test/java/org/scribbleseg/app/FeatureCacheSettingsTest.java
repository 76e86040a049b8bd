package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.Engine;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** Project settings shows the feature cache's size and limit; Clear cache empties it; a new limit is saved. */
class FeatureCacheSettingsTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    private String usage(FxRobot robot) throws Exception {
        return fx(() -> robot.lookup("#settingsCacheUsage").tryQuery().map(n -> ((Label) n).getText()).orElse(""));
    }

    @Test
    void showsTheCacheClearsItAndSavesTheLimit(FxRobot robot) throws Exception {
        waitIdle(); // the current image's features are computed and cached by now
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> app.window().engine().featureCacheUsage().maps() > 0));
        fx(() -> {
            MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
            MenuItem item = bar.getMenus().stream().flatMap(m -> m.getItems().stream())
                    .filter(i -> "Project settings…".equals(i.getText())).findFirst().orElseThrow();
            item.fire();
            return null;
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> usage(robot).matches("Feature cache: \\d+ MB of 5\\.00 GB \\(\\d+ maps?\\)"));
        assertThat(usage(robot)).doesNotContain("(0 maps)");
        assertThat(fx(() -> robot.lookup("#settingsCacheLimit").queryAs(TextField.class).getText())).isEqualTo("5");

        robot.clickOn(robot.lookup("#settingsCacheClear").queryAs(Button.class));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> usage(robot).equals("Feature cache: 0 MB of 5.00 GB (0 maps)"));

        fx(() -> {
            robot.lookup("#settingsCacheLimit").queryAs(TextField.class).setText("0.5");
            DialogPane pane = (DialogPane) robot.lookup("#settingsCacheLimit").query().getScene().getRoot();
            ((Button) pane.lookupButton(ButtonType.OK)).fire();
            return null;
        });
        Engine engine = fx(() -> app.window().engine());
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> engine.featureCacheUsage().limitBytes() == 500_000_000L);
        assertThat(engine.store().setting(Engine.FEATURE_CACHE_SETTING)).hasValue("0.5");
    }
}
