package org.scribbleseg.app;

import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.job.EngineEvent;

/**
 * The live model: live update on/off, backbone, what the head training last did, what runs now, and how good the
 * head was on the images the user accepted.
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
    private final CheckBox preferLive = new CheckBox("Always show the live head");

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
        preferLive.setId("preferLiveHead");
        preferLive.setDisable(true);
        preferLive.setTooltip(new Tooltip("Show the live head's predictions even when a background model scores higher on your accepted masks"));
        g.addRow(4, muted("Showing"), showing);
        g.add(showingWhy, 0, 5, 2, 1);
        scores.setId("predictorScores");
        scores.getStyleClass().add("muted");
        g.add(scores, 0, 6, 2, 1);
        getChildren().addAll(live, g, preferLive, accepts);
    }

    private static Label muted(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("muted");
        l.setMinWidth(Label.USE_PREF_SIZE);
        return l;
    }

    /** The user's switch back to the live head (MainWindow tells the engine). */
    public CheckBox preferLiveHead() {
        return preferLive;
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

    public void onEvents(List<EngineEvent> events) {
        accepts.onEvents(events);
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.HeadTrained h) {
                backbone.setText(h.backbone());
                head.setText(String.format("rev %d · %d samples · %d classes · train acc %.0f %% · %d ms", h.revision(),
                        h.samples(), h.classes(), h.trainAccuracy() * 100, h.millis()));
            } else if (e instanceof EngineEvent.PredictorChanged pc) {
                showing.setText(pc.description());
                showingWhy.setText(pc.reason());
                scores.setText(pc.scores() == null ? "" : pc.scores().summary());
                preferLive.setDisable(!pc.heavyAvailable());
                if (preferLive.isSelected() != pc.userChoseLive()) {
                    preferLive.setSelected(pc.userChoseLive());
                }
            } else if (e instanceof EngineEvent.JobProgress p) {
                job.setText(p.title() + (p.total() > 0 ? " " + p.done() + "/" + p.total() : "") + (p.message() == null ? "" : " · " + p.message()));
            } else if (e instanceof EngineEvent.JobFinished f) {
                job.setText(f.title() + ": " + f.outcome().name().toLowerCase() + (f.message() == null || f.message().isBlank() ? "" : " · " + f.message()));
            }
        }
    }
}
