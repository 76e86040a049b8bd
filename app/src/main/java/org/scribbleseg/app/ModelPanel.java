package org.scribbleseg.app;

import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.job.EngineEvent;

/**
 * The live model: live update on/off, backbone, what the head training last did, what runs now, which model the
 * overlay shows (Auto / Live head / the background model) and why, how good the head was on the images the user
 * accepted, and the curve of the newest background run.
 */
public final class ModelPanel extends VBox {
    private final CheckBox live = new CheckBox("Live update after every stroke");
    private final Label backbone = new Label("classic");
    private final Label head = new Label("not trained yet");
    private final Label job = new Label("idle");
    private final Label device = new Label("CPU");
    private final AcceptHistoryChart accepts = new AcceptHistoryChart();
    private final Label showing = new Label("the live head");
    private final Label showingWhy = new Label("no heavy model has finished training");
    /** mIoU and boundary F of the heavy model and the live head on the same accepted masks. */
    private final Label scores = new Label("");
    private final ComboBox<Choice> show = new ComboBox<>();
    private final RunCurveChart curve = new RunCurveChart();
    /** True while the panel sets the combo from an event (not the user's pick). */
    private boolean updating;

    /** One entry of the Show control: the engine's choice id ("auto", "live-head", "run:&lt;id&gt;") and its text. */
    record Choice(String id, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    static final Choice AUTO = new Choice(EngineEvent.PredictorChanged.AUTO, "Auto (the better on your accepted masks)");
    static final Choice LIVE = new Choice(EngineEvent.PredictorChanged.LIVE, "Live head");

    public ModelPanel() {
        getStyleClass().add("model-panel");
        setId("modelPanel");
        setSpacing(6);
        setPadding(new Insets(4, 0, 4, 0));
        live.setId("liveUpdate");
        live.setSelected(true);
        live.setTooltip(new Tooltip("Retrain the light head on all labelled images after every stroke and show its prediction"));
        backbone.setId("backboneLabel");
        head.setId("headStatus");
        job.setId("jobStatus");
        device.setId("deviceLabel");
        device.setWrapText(true);
        head.setWrapText(true);
        job.setWrapText(true);
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(4);
        g.addRow(0, muted("Backbone"), backbone);
        g.addRow(1, muted("Device"), device);
        g.addRow(2, muted("Head"), head);
        g.addRow(3, muted("Jobs"), job);
        showing.setId("predictorShowing");
        showingWhy.setId("predictorReason");
        showingWhy.setWrapText(true);
        showingWhy.getStyleClass().add("muted");
        show.setId("predictorChoice");
        show.getItems().setAll(AUTO, LIVE);
        show.getSelectionModel().select(AUTO);
        show.setMaxWidth(Double.MAX_VALUE);
        show.setDisable(true);
        show.setTooltip(new Tooltip("Which model's predictions the overlay, export and suggestions show: Auto lets a background "
                + "model take over only when it beats the live head on your accepted masks; a model you pick stays until you pick Auto"));
        g.addRow(4, muted("Show"), show);
        g.addRow(5, muted("Showing"), showing);
        g.add(showingWhy, 0, 6, 2, 1);
        scores.setId("predictorScores");
        scores.getStyleClass().add("muted");
        g.add(scores, 0, 7, 2, 1);
        getChildren().addAll(live, g, accepts, curve);
        accepts.setOnChange(() -> curve.setLiveReference(accepts.meanFirstLookMiou()));
    }

    private static Label muted(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("muted");
        l.setMinWidth(Label.USE_PREF_SIZE);
        return l;
    }

    /** Auto / Live head / the background model (MainWindow tells the engine when the user picks one). */
    ComboBox<Choice> predictorChoice() {
        return show;
    }

    /** Whether the combo is being set from an engine event rather than by the user. */
    boolean updatingChoice() {
        return updating;
    }

    /** The newest background run's evaluations and the live head's reference line. */
    RunCurveChart runCurve() {
        return curve;
    }

    public CheckBox liveUpdate() {
        return live;
    }

    public void setBackbone(String name) {
        backbone.setText(name);
    }

    /** Where the backbone runs and why (e.g. "CPU (no CUDA GPU found)"). */
    public void setDevice(String text) {
        device.setText(text);
    }

    /** Accuracy before correction and effort per accepted image. */
    public AcceptHistoryChart acceptHistory() {
        return accepts;
    }

    private void updateChoices(EngineEvent.PredictorChanged pc) {
        updating = true;
        try {
            List<Choice> items = new java.util.ArrayList<>(List.of(AUTO, LIVE));
            if (pc.heavyId() != null) {
                items.add(new Choice(pc.heavyId(), pc.heavyDescription()));
            }
            if (!items.equals(show.getItems())) {
                show.getItems().setAll(items);
            }
            Choice sel = items.stream().filter(c -> c.id().equals(pc.choice())).findFirst().orElse(AUTO);
            show.getSelectionModel().select(sel);
            show.setDisable(!pc.heavyAvailable());
        } finally {
            updating = false;
        }
    }

    public void onEvents(List<EngineEvent> events) {
        accepts.onEvents(events);
        curve.onEvents(events);
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.HeadTrained h) {
                backbone.setText(h.backbone());
                head.setText(String.format("rev %d · %d samples · %d classes · train acc %.0f %% · %d ms", h.revision(),
                        h.samples(), h.classes(), h.trainAccuracy() * 100, h.millis()));
            } else if (e instanceof EngineEvent.PredictorChanged pc) {
                showing.setText(pc.description());
                showingWhy.setText(pc.reason());
                scores.setText(pc.scores() == null ? "" : pc.scores().summary());
                updateChoices(pc);
            } else if (e instanceof EngineEvent.JobProgress p) {
                job.setText(p.title() + (p.total() > 0 ? " " + p.done() + "/" + p.total() : "") + (p.message() == null ? "" : " · " + p.message()));
            } else if (e instanceof EngineEvent.JobFinished f) {
                job.setText(f.title() + ": " + f.outcome().name().toLowerCase() + (f.message() == null || f.message().isBlank() ? "" : " · " + f.message()));
            }
        }
    }
}
