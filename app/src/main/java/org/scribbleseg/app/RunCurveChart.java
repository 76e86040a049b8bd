package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.RunRecord;

/**
 * The curve of the newest background run: per evaluation (x = step) its mIoU on the held-out accepted masks
 * ({@code miou}; {@code train_miou} for runs that score on their training labels) and its training loss, with the
 * live head's reference line (its first looks' mean mIoU on the accepted images, the number a background model has
 * to beat to take over). Fed from the run's record at project open and {@link EngineEvent.HeavyRunMetrics} after.
 */
final class RunCurveChart extends VBox {
    /** The metric charted as the run's quality, first one present. */
    static final List<String> QUALITY_KEYS = List.of("miou", "train_miou");

    private final NumberAxis x = new NumberAxis();
    private final NumberAxis y = new NumberAxis();
    private final LineChart<Number, Number> chart = new LineChart<>(x, y);
    private final XYChart.Series<Number, Number> quality = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> loss = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> live = new XYChart.Series<>();
    private final Label title = new Label("Background run");
    private final Label empty = new Label("No background run evaluated yet (Tools → Train SemiVL…).");
    private final Label summary = new Label();
    private final List<RunRecord.Evaluation> evaluations = new ArrayList<>();
    private String runId;
    private String method = "";
    private double liveMiou = Double.NaN;

    RunCurveChart() {
        setId("runCurve");
        setSpacing(2);
        title.getStyleClass().add("muted");
        title.setWrapText(true);
        title.setId("runCurveTitle");
        chart.setId("runCurveChart");
        chart.setAnimated(false);
        chart.setCreateSymbols(true);
        chart.setLegendVisible(true);
        chart.setVerticalGridLinesVisible(false);
        chart.setPrefHeight(170);
        chart.setMinHeight(170);
        chart.setMinWidth(0);
        chart.setPrefWidth(0); // the side panel's width decides
        x.setForceZeroInRange(false);
        x.setMinorTickVisible(false);
        y.setMinorTickVisible(false);
        y.setPrefWidth(32);
        quality.setName("held-out mIoU");
        loss.setName("loss");
        live.setName("live head");
        chart.getData().addAll(List.of(quality, loss, live));
        empty.setId("runCurveEmpty");
        empty.setWrapText(true);
        empty.getStyleClass().add("muted");
        empty.setMaxWidth(Double.MAX_VALUE);
        summary.setId("runCurveSummary");
        summary.setWrapText(true);
        getChildren().addAll(title, new StackPane(chart, empty), summary);
        refresh();
    }

    /** The newest run (read off the FX thread at project open); null: none. */
    void showRun(RunRecord r) {
        if (r == null) {
            return;
        }
        runId = r.id();
        method = r.method();
        evaluations.clear();
        evaluations.addAll(r.evaluations());
        refresh();
    }

    /** The live head's mean first-look mIoU on the accepted images (NaN: none measured yet). */
    void setLiveReference(double miou) {
        if (Double.compare(miou, liveMiou) != 0) {
            liveMiou = miou;
            refresh();
        }
    }

    void onEvents(List<EngineEvent> events) {
        boolean changed = false;
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.HeavyRunMetrics m) {
                if (!m.runId().equals(runId)) {
                    runId = m.runId(); // a newer run: its curve replaces the old one
                    method = m.method();
                    evaluations.clear();
                }
                evaluations.add(new RunRecord.Evaluation(m.step(), m.values()));
                changed = true;
            }
        }
        if (changed) {
            refresh();
        }
    }

    /** The points of the run's quality series (one per evaluation that has one). */
    int qualityPoints() {
        return quality.getData().size();
    }

    int lossPoints() {
        return loss.getData().size();
    }

    private static Double quality(Map<String, Double> v) {
        for (String k : QUALITY_KEYS) {
            Double d = v.get(k);
            if (d != null && Double.isFinite(d)) {
                return d;
            }
        }
        return null;
    }

    private void refresh() {
        List<XYChart.Data<Number, Number>> q = new ArrayList<>();
        List<XYChart.Data<Number, Number>> l = new ArrayList<>();
        String key = null;
        for (RunRecord.Evaluation e : evaluations) {
            Double m = quality(e.values());
            if (m != null) {
                q.add(new XYChart.Data<>(e.step(), m));
                key = key != null ? key : QUALITY_KEYS.stream().filter(e.values()::containsKey).findFirst().orElse(null);
            }
            Double lv = e.values().get("loss");
            if (lv != null && Double.isFinite(lv)) {
                l.add(new XYChart.Data<>(e.step(), lv));
            }
        }
        quality.setName("train_miou".equals(key) ? "mIoU on its training labels" : "held-out mIoU");
        quality.getData().setAll(q);
        loss.getData().setAll(l);
        List<XYChart.Data<Number, Number>> ref = new ArrayList<>();
        if (Double.isFinite(liveMiou) && !evaluations.isEmpty()) {
            ref.add(new XYChart.Data<>(evaluations.get(0).step(), liveMiou));
            ref.add(new XYChart.Data<>(evaluations.get(evaluations.size() - 1).step(), liveMiou));
        }
        live.getData().setAll(ref);
        boolean any = !evaluations.isEmpty();
        chart.setVisible(any);
        chart.setManaged(any);
        empty.setVisible(!any);
        empty.setManaged(!any);
        title.setText(runId == null ? "Background run" : "Background run: " + method + " (" + runId + ")");
        summary.setText(any ? summarize() : "");
        summary.setVisible(any);
        summary.setManaged(any);
    }

    private String summarize() {
        RunRecord.Evaluation last = evaluations.get(evaluations.size() - 1);
        Double m = quality(last.values());
        Double l = last.values().get("loss");
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d evaluation%s, last at step %d", evaluations.size(),
                evaluations.size() == 1 ? "" : "s", last.step()));
        if (m != null) {
            sb.append(String.format(Locale.ROOT, ": mIoU %.3f", m));
        }
        if (l != null && Double.isFinite(l)) {
            sb.append(String.format(Locale.ROOT, ", loss %.4f", l));
        }
        if (Double.isFinite(liveMiou)) {
            sb.append(String.format(Locale.ROOT, " · live head %.3f", liveMiou));
        }
        return sb.toString();
    }
}
