package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.List;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.AcceptRecord;

/**
 * How good the live head is on the images the user accepts, measured before the user corrected them: per accepted
 * image (x, in accept order) the pixel accuracy of the head's first look against the accepted mask (y, %), with the
 * strokes and drawing time the image took in each point's tooltip, and a summary of the last few accepts.
 */
public final class AcceptHistoryChart extends VBox {
    /** How many of the latest accepts the summary line averages. */
    static final int SUMMARY_WINDOW = 5;

    private final List<AcceptRecord> records = new ArrayList<>();
    // one unit of room past the last point and above 100 %, so no symbol is cut at the plot's edge
    private final NumberAxis x = new NumberAxis(0, 2, 1);
    private final NumberAxis y = new NumberAxis(0, 120, 20);
    private final LineChart<Number, Number> chart = new LineChart<>(x, y);
    private final XYChart.Series<Number, Number> series = new XYChart.Series<>();
    private final Label empty = new Label("No accepted images measured yet. Accept (A) an image the head predicted "
            + "before you drew on it to see how good its first look was.");
    private final Label summary = new Label();
    private Runnable onChange = () -> { };

    public AcceptHistoryChart() {
        setId("acceptHistory");
        setSpacing(2);
        Label title = new Label("Accuracy before correction on accepted images");
        title.getStyleClass().add("muted");
        title.setWrapText(true);
        chart.setId("acceptChart");
        chart.setLegendVisible(false);
        chart.setAnimated(false);
        chart.setCreateSymbols(true);
        chart.setHorizontalGridLinesVisible(true);
        chart.setVerticalGridLinesVisible(false);
        chart.setPrefHeight(150);
        chart.setMinHeight(150);
        chart.setMinWidth(0);
        chart.setPrefWidth(0); // the side panel's width decides
        chart.getData().add(series);
        x.setAutoRanging(false);
        x.setMinorTickVisible(false);
        x.setTickLabelFormatter(integers(v -> v >= 1 && v <= records.size()));
        y.setAutoRanging(false);
        y.setMinorTickVisible(false);
        y.setTickLabelFormatter(integers(v -> v <= 100));
        y.setPrefWidth(28);
        empty.setId("acceptEmpty");
        empty.setWrapText(true);
        empty.getStyleClass().add("muted");
        empty.setMaxWidth(Double.MAX_VALUE);
        summary.setId("acceptSummary");
        summary.setWrapText(true);
        StackPane area = new StackPane(chart, empty);
        getChildren().addAll(title, area, summary);
        refresh();
    }

    /** Tick labels as whole numbers; the ticks outside {@code shown} (the padding) unlabelled. */
    private static StringConverter<Number> integers(java.util.function.LongPredicate shown) {
        return new StringConverter<>() {
            @Override
            public String toString(Number n) {
                long v = Math.round(n.doubleValue());
                return shown.test(v) ? Long.toString(v) : "";
            }

            @Override
            public Number fromString(String s) {
                return Double.parseDouble(s);
            }
        };
    }

    /**
     * The whole history, read off the FX thread at project open and after store changes (an accept undone leaves
     * it). Reads run in order on the store thread, so the last one read after the newest accept.
     */
    public void setHistory(List<AcceptRecord> history) {
        if (!history.equals(records)) {
            records.clear();
            records.addAll(history);
            refresh();
        }
    }

    public void onEvents(List<EngineEvent> events) {
        boolean changed = false;
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.MaskAccepted m) {
                put(m.record());
                changed = true;
            }
        }
        if (changed) {
            refresh();
        }
    }

    /** A re-accepted image keeps its place (same record id) with its new values; a new one goes last. */
    private void put(AcceptRecord r) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).id() == r.id()) {
                records.set(i, r);
                return;
            }
        }
        records.add(r);
    }

    /** Called after the records change (the Model panel's run curve draws the live head's reference from them). */
    void setOnChange(Runnable r) {
        onChange = r;
        r.run();
    }

    /** The mean mIoU of the live head's first looks over the accepted images (NaN: none). */
    double meanFirstLookMiou() {
        return records.stream().mapToDouble(AcceptRecord::meanIoU).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /** The records shown, in accept order. */
    public List<AcceptRecord> records() {
        return List.copyOf(records);
    }

    private void refresh() {
        List<XYChart.Data<Number, Number>> points = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            points.add(new XYChart.Data<>(i + 1, records.get(i).accuracy() * 100));
        }
        series.getData().setAll(points);
        for (int i = 0; i < points.size(); i++) {
            if (points.get(i).getNode() != null) {
                Tooltip.install(points.get(i).getNode(), new Tooltip(describe(i + 1, records.get(i))));
            }
        }
        int n = records.size();
        x.setUpperBound(n + 1);
        x.setTickUnit(Math.max(1, Math.ceil(n / 6.0)));
        chart.setVisible(n > 0);
        chart.setManaged(n > 0);
        empty.setVisible(n == 0);
        empty.setManaged(n == 0);
        summary.setText(summarize(records));
        summary.setVisible(n > 0);
        summary.setManaged(n > 0);
        onChange.run();
    }

    static String describe(int number, AcceptRecord r) {
        return String.format("Accepted image %d: %.0f %% right before correction (mIoU %.0f %%)%n%d stroke%s, %s drawing",
                number, r.accuracy() * 100, r.meanIoU() * 100, r.strokes(), r.strokes() == 1 ? "" : "s", seconds(r.seconds()));
    }

    /** e.g. "last 5 accepted: 87 % before correction, 6 strokes / 41 s per image". */
    static String summarize(List<AcceptRecord> all) {
        if (all.isEmpty()) {
            return "";
        }
        List<AcceptRecord> last = all.subList(Math.max(0, all.size() - SUMMARY_WINDOW), all.size());
        double acc = 0;
        double strokes = 0;
        double secs = 0;
        for (AcceptRecord r : last) {
            acc += r.accuracy();
            strokes += r.strokes();
            secs += r.seconds();
        }
        int n = last.size();
        long perStrokes = Math.round(strokes / n);
        return String.format("%s: %.0f %% before correction, %d stroke%s / %s per image",
                n == 1 ? "last accepted" : "last " + n + " accepted", acc / n * 100, perStrokes, perStrokes == 1 ? "" : "s",
                seconds(secs / n));
    }

    /** "41 s", "2 min", "2 min 5 s". */
    static String seconds(double s) {
        long r = Math.round(s);
        return r < 60 ? r + " s" : r / 60 + " min" + (r % 60 == 0 ? "" : " " + r % 60 + " s");
    }
}
