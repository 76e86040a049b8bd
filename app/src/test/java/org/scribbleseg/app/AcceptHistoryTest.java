package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.AcceptRecord;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The model panel's "accuracy before correction" chart on the real engine: an image the head predicted before the
 * user drew on it is corrected and accepted; the chart gains a point at the accuracy of that first look against
 * the accepted mask, and the summary line tells the strokes and time it took.
 */
class AcceptHistoryTest extends AppTestBase {

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage, "accepts", images -> {
            TestImages.twoTone(images, "a.png", 320, 240);
            TestImages.twoTone(images, "b.png", 300, 200);
        }, st -> {
            long dog = st.addClass("dog", VocPalette.rgb(12), 12, "", List.of()).id();
            long background = st.classByIndex(0).orElseThrow().id();
            // image a labelled in an earlier session: the head trains on it at open
            ImageEntry a = st.images().get(0);
            st.commitStroke(a.id(), dog, StrokeKind.SCRIBBLE, 6, new float[] {40, 60, 80, 120, 120, 180}, 3000);
            st.commitStroke(a.id(), background, StrokeKind.SCRIBBLE, 6, new float[] {200, 60, 240, 120, 280, 180}, 3000);
        });
    }

    @Test
    void acceptingACorrectedImageAddsItsAccuracyBeforeCorrectionToTheChart(FxRobot robot) throws Exception {
        waitIdle();
        Node empty = robot.lookup("#acceptEmpty").query();
        assertThat(fx(empty::isVisible)).as("empty state before any accept").isTrue();
        ProjectStore store = store();
        ImageEntry b = store.images().get(1);
        fx(() -> {
            app.window().selectImage(b.id());
            return null;
        });
        // the live head looks at b before anyone drew on it
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> store.prediction(b.id(), ProjectStore.FIRST_LOOK_RUN).isPresent());
        LabelMap firstLook = store.prediction(b.id(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels();

        // the user corrects it with one stroke of 4 s, waits for the new prediction and accepts it (A)
        long background = store.classByIndex(0).orElseThrow().id();
        store.commitStroke(b.id(), background, StrokeKind.SCRIBBLE, 5, new float[] {200, 40, 260, 160}, 4000);
        long rev = store.revision();
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS,
                () -> app.window().engine().latestPrediction(b.id()).map(p -> p.revision() >= rev).orElse(false));
        waitIdle();
        fx(() -> {
            app.window().canvas().requestFocus();
            return null;
        });
        robot.type(KeyCode.A);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> store.mask(b.id()).isPresent());
        LabelMap accepted = store.mask(b.id()).orElseThrow().labels();
        double expected = new Metrics(LabelMap.VOID).add(accepted, firstLook).pixelAccuracy() * 100;

        @SuppressWarnings("unchecked")
        LineChart<Number, Number> chart = (LineChart<Number, Number>) robot.lookup("#acceptChart").query();
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> chart.getData().get(0).getData().size() == 1));
        XYChart.Data<Number, Number> point = fx(() -> chart.getData().get(0).getData().get(0));
        assertThat(point.getXValue().intValue()).isEqualTo(1);
        assertThat(point.getYValue().doubleValue()).isCloseTo(expected, within(1e-6));
        assertThat(fx(empty::isVisible)).isFalse();
        // hovering the point tells what the image took (Tooltip.install keeps the tooltip in the node's properties)
        Object tip = fx(() -> point.getNode().getProperties().get("javafx.scene.control.Tooltip"));
        assertThat(tip).isInstanceOf(javafx.scene.control.Tooltip.class);
        assertThat(((javafx.scene.control.Tooltip) tip).getText()).startsWith(String.format("Accepted image 1: %.0f %%", expected))
                .contains("1 stroke, 4 s drawing");
        AcceptRecord r = fx(() -> app.window().engine().acceptHistory().get(0));
        assertThat(r.strokes()).isEqualTo(1);
        assertThat(r.seconds()).isEqualTo(4.0);
        Label summary = robot.lookup("#acceptSummary").query();
        assertThat(fx(summary::getText)).isEqualTo(String.format("last accepted: %.0f %% before correction, 1 stroke / 4 s per image", expected));
        assertThat(fx(summary::isVisible)).isTrue();
        String shown = fx(summary::getText);

        // undoing the accept takes the image off the chart; redoing puts it back
        fx(() -> {
            app.window().undo();
            return null;
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(empty::isVisible));
        assertThat(fx(() -> chart.getData().get(0).getData())).isEmpty();
        fx(() -> {
            app.window().redo();
            return null;
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> chart.getData().get(0).getData().size() == 1));
        assertThat(fx(summary::getText)).isEqualTo(shown);

        // the history belongs to the project: reopened, the panel shows the same point and summary
        fx(() -> {
            app.closeProject();
            app.openProject(projectDir);
            return null;
        });
        waitIdle();
        @SuppressWarnings("unchecked")
        LineChart<Number, Number> reopened = (LineChart<Number, Number>) robot.lookup("#acceptChart").query();
        assertThat(reopened).isNotSameAs(chart);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> fx(() -> reopened.getData().get(0).getData().size() == 1));
        assertThat(fx(() -> reopened.getData().get(0).getData().get(0).getYValue().doubleValue())).isCloseTo(expected, within(1e-6));
        assertThat(fx(() -> ((Label) robot.lookup("#acceptSummary").query()).getText())).isEqualTo(shown);
    }
}
