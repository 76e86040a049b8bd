package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.TextInputControl;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.controlsfx.control.StatusBar;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.Regions;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.Lane;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.ProjectInfo;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import org.scribbleseg.engine.project.Tag;

/**
 * The main window of an open project: image browser (left), canvas with tools (centre), class palette, tags and
 * model (right), status bar (bottom). All store and engine work runs on {@link UiBackground}; engine events and
 * store changes come back through {@link FxEngineBridge}.
 */
public final class MainWindow implements FxEngineBridge.Handler {
    /** Project setting: the image shown last, shown again on reopening. */
    public static final String LAST_IMAGE = "ui.last-image";
    /** Project setting: live update on/off (applied to the engine on opening). */
    public static final String LIVE_UPDATE = "live-update";

    /** What the window asks of the application shell (menus that leave the project). */
    public interface Shell {
        void openProjectDialog();

        void createProjectDialog();

        void importVocDialog();

        void closeProject();

        void setDarkTheme(boolean dark);

        boolean isDarkTheme();

        /** Replaces the working copy of a template project (the demo) with a fresh one and opens it. */
        void resetDemo(java.nio.file.Path template);

        void quit();
    }

    private final Engine engine;
    private final ProjectInfo project;
    private final org.scribbleseg.engine.Annotations labels;
    private final Shell shell;
    private final Notifier notifier = new Notifier();
    private final ThumbnailCache thumbnails;
    private final ImageBrowser browser;
    private final ImageCanvas canvas = new ImageCanvas();
    private final ClassPalette palette;
    private final TagsPanel tagsPanel;
    private final ModelPanel modelPanel = new ModelPanel();
    private final StatusBar statusBar = new StatusBar();
    private final Label noPrediction = new Label("No prediction yet");
    /** On an image nobody labelled: says that pixels below {@link #HIDE_BELOW} are hidden, and how many. */
    private final Label lowConfidence = new Label();
    /**
     * On images nobody labelled the overlay shows only pixels the head is at least this sure of (its calibrated
     * confidence, see the engine's Calibration): an untouched image's mask is a guess, and a confident-looking wrong
     * guess is worse than none.
     */
    static final double HIDE_BELOW = 0.6;
    private final Label imageInfo = new Label();
    private final Label brushLabel = new Label();
    private final Button cancelJob = new Button("Cancel");
    private final java.util.concurrent.atomic.AtomicBoolean uiJobCancel = new java.util.concurrent.atomic.AtomicBoolean();
    /** The engine job whose progress the status bar shows (cancelled by the Cancel button). */
    private String shownJob;
    private final JobEta jobEta = new JobEta();
    /** Heavy runs (worker process): progress, time left, pause/resume, cancel, resume after a crash. */
    private final HeavyJobsBar heavyBar;
    private final java.util.Set<String> heavyJobIds = new java.util.HashSet<>();
    /**
     * An interactive job (the head retraining after each stroke) appears in the status bar once it has run this long;
     * quick ones would only make it flicker. Feature extraction, export and the other background jobs show at once.
     */
    private static final long SHOW_JOB_AFTER_NANOS = 300_000_000L;
    private final StackPane helpOverlay = Shortcuts.overlay();
    private final StackPane root;
    private final FxEngineBridge bridge;

    private List<ClassDef> classes = List.of();
    private Map<Long, Integer> rgbByClassId = Map.of();
    private int[] colorTable = new int[256];
    private long currentImage = -1;
    private long loadToken;

    // what the labels layer shows now, to paint only new strokes incrementally
    private final List<Long> renderedIds = new ArrayList<>();
    private long renderedMaskKey = Long.MIN_VALUE;
    private int renderedColorKey;
    private boolean fullRenderInFlight;
    private Annotations latest;
    private int pendingWork;

    /** A consistent read of one image's annotations. */
    record Annotations(long imageId, List<Stroke> strokes, Optional<MaskRecord> mask, List<Tag> tags) {
        long maskKey() {
            return mask.map(MaskRecord::revision).orElse(-1L);
        }
    }

    public MainWindow(Engine engine, Shell shell) {
        this.engine = engine;
        this.project = engine.project();
        this.labels = engine.annotations();
        this.shell = shell;
        this.thumbnails = new ThumbnailCache(engine);
        this.browser = new ImageBrowser(thumbnails);
        this.palette = new ClassPalette(engine.classes(), notifier);
        this.tagsPanel = new TagsPanel(labels, notifier);

        BorderPane main = new BorderPane();
        main.setTop(new VBox(new MenuBuilder(this).build(), toolBar()));
        browser.setPrefWidth(272);
        browser.setMinWidth(200);
        main.setLeft(browser);
        main.setCenter(centre());
        main.setRight(rightPanel());
        main.setBottom(statusBar);
        statusBar.setText("Ready");
        statusBar.setId("statusBar");
        cancelJob.setId("cancelJob");
        cancelJob.setVisible(false);
        cancelJob.setTooltip(new Tooltip("Cancel the job shown in the status bar"));
        cancelJob.setOnAction(e -> {
            uiJobCancel.set(true);
            String job = shownJob;
            work(() -> {
                if (job == null || !engine.jobs().cancel(job)) {
                    engine.jobs().cancelAll();
                }
            }, () -> statusBar.setText("Cancelling…"), "Could not cancel");
        });
        heavyBar = new HeavyJobsBar(new HeavyJobsBar.Actions() {
            @Override
            public void pause(String runId) {
                work(() -> engine.heavy().pause(runId), (Boolean ok) -> { }, "Could not pause the training");
            }

            @Override
            public void unpause(String runId) {
                work(() -> engine.heavy().unpause(runId), (Boolean ok) -> { }, "Could not resume the training");
            }

            @Override
            public void cancel(String runId) {
                work(() -> engine.heavy().cancel(runId), (Boolean ok) -> { }, "Could not stop the training");
            }

            @Override
            public void resume(String runId) {
                work(() -> engine.heavy().resume(runId), (Runnable) null, "Could not resume the training");
            }
        });
        statusBar.getRightItems().addAll(heavyBar, cancelJob);
        root = new StackPane(main);
        root.getStyleClass().add("main-window");
        root.addEventFilter(KeyEvent.KEY_PRESSED, this::keyPressed);
        root.addEventFilter(KeyEvent.KEY_RELEASED, this::keyReleased);
        root.addEventFilter(KeyEvent.KEY_TYPED, this::keyTyped);

        browser.setOnSelect(this::selectImage);
        palette.selectedProperty().addListener((o, a, c) -> {
            canvas.classColorProperty().set(c == null ? Color.GRAY : fx(c.rgb()));
        });
        canvas.setOnStroke(this::stroke);
        canvas.showPredictionProperty().addListener(o -> updatePredictionBadge());
        brushLabel.textProperty().bind(Bindings.format("%.0f px", canvas.brushRadiusProperty().multiply(2)));
        modelPanel.liveUpdate().selectedProperty().addListener((o, a, on) -> work(() -> {
            engine.setLiveUpdate(on);
            project.setSetting(LIVE_UPDATE, Boolean.toString(on));
        }, null, "Could not switch live update"));

        modelPanel.preferLiveHead().selectedProperty().addListener((o, a, on) -> {
            if (on != engine.predictorStatus().userChoseLive()) {
                work(() -> engine.setPreferLiveHead(on), (Runnable) null, "Could not switch the model shown");
            }
        });
        bridge = new FxEngineBridge(engine, this);
        reloadClasses();
        reloadImages(true);
        work(() -> {
            boolean live = Boolean.parseBoolean(project.setting(LIVE_UPDATE).orElse("true"));
            engine.setLiveUpdate(live);
            if (live && project.revision() > 0) {
                engine.retrain(); // the head of the last session is not kept: train it now, the prediction follows
            }
            return new String[] {engine.backboneKey(), Boolean.toString(live), engine.deviceDescription()};
        }, s -> {
            modelPanel.setBackbone(s[0]);
            modelPanel.setDevice(s[2]);
            modelPanel.liveUpdate().setSelected(Boolean.parseBoolean(s[1]));
        }, "Could not read the project settings");
        reloadAcceptHistory();
        for (String n : project.notices()) {
            notifier.info("Project", n); // a schema upgrade (and where the old file is kept), read-only
        }
        // off the store thread: a changed file is hashed, which must not hold up saving strokes
        UiBackground.on(UiBackground.jobs(), engine::checkImages, problems -> {
            if (!problems.isEmpty()) {
                notifier.error("Image files changed on disk", Engine.describeProblems(problems),
                        "Training leaves them out and export refuses them until they are re-linked "
                                + "(scribbleseg images <project> --relink …) or their labels dropped (--drop-labels).");
            }
        }, t -> notifier.error("Could not check the image files", t, null));
        work(() -> engine.heavy().interrupted(), heavyBar::offerResume, "Could not read the unfinished training runs");
        work(engine::reviewPredictors, s -> modelPanel.onEvents(List.of(s)), "Could not compare the models");
    }

    /** Starts a heavy run of {@code method} in the background on the project's device setting. */
    void startHeavy(String method, int steps) {
        work(() -> {
            return engine.heavy().start(method, Map.of("steps", steps), project.setting(org.scribbleseg.engine.gpu.DeviceSpec.SETTING).orElse("auto"));
        }, id -> notifier.info("Training in the background", method + " runs in a worker process (" + id + ")."),
                "Could not start the training");
    }

    private void reloadAcceptHistory() {
        work(engine::acceptHistory, modelPanel.acceptHistory()::setHistory, "Could not read the accept history");
    }

    public Parent root() {
        return root;
    }

    public Engine engine() {
        return engine;
    }

    public ImageCanvas canvas() {
        return canvas;
    }

    public ClassPalette palette() {
        return palette;
    }

    public ImageBrowser browser() {
        return browser;
    }

    public Notifier notifier() {
        return notifier;
    }

    public long currentImage() {
        return currentImage;
    }

    /** True when no read, write or render started by this window is outstanding (tests, screenshots). */
    public boolean isIdle() {
        return pendingWork == 0 && !fullRenderInFlight && (currentImage < 0 || canvas.image() != null);
    }

    public String title() {
        return "ScribbleSeg — " + project.name();
    }

    // ------------------------------------------------------------------------------------------------ layout

    private ToolBar toolBar() {
        ToggleGroup tools = new ToggleGroup();
        List<Node> items = new ArrayList<>();
        for (Tool t : Tool.values()) {
            ToggleButton b = new ToggleButton();
            b.setId("tool" + t.camelName());
            b.setGraphic(Icons.icon(t.iconClass()));
            b.setTooltip(new Tooltip(t.label() + " (" + t.key() + ")"));
            b.setToggleGroup(tools);
            b.setUserData(t);
            b.setSelected(t == canvas.toolProperty().get());
            b.getStyleClass().add("tool-button");
            items.add(b);
        }
        tools.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true);
            } else {
                canvas.toolProperty().set((Tool) b.getUserData());
            }
        });
        canvas.toolProperty().addListener((o, a, t) -> tools.getToggles().stream()
                .filter(x -> x.getUserData() == t).findFirst().ifPresent(x -> x.setSelected(true)));
        Button smaller = button("brushSmaller", "icon-minus", "Smaller brush ([)", () -> brush(1 / 1.25));
        Button larger = button("brushLarger", "icon-plus", "Larger brush (])", () -> brush(1.25));
        brushLabel.setId("brushSize");
        brushLabel.getStyleClass().add("brush-size");
        items.add(new Separator());
        items.add(smaller);
        items.add(brushLabel);
        items.add(larger);
        items.add(new Separator());
        items.add(button("undoButton", "icon-undo", "Undo (Ctrl+Z)", this::undo));
        items.add(button("redoButton", "icon-redo", "Redo (Ctrl+Shift+Z / Ctrl+Y)", this::redo));
        items.add(new Separator());
        Button accept = button("acceptButton", "icon-accept", "Accept the prediction as this image's mask; marks it done (A)", this::accept);
        accept.setText("Accept");
        items.add(accept);
        Button done = button("doneButton", null, "Mark an image with an accepted mask not done (reopen it), or done again (D)", this::toggleDone);
        done.setText("Done / not done");
        items.add(done);
        Button next = button("nextButton", "icon-next", "Next image to label (N)", this::nextImage);
        next.setText("Next");
        items.add(next);
        items.add(button("clearButton", "icon-clear", "Clear this image's labels (Delete)", this::confirmClear));
        items.add(new Separator());
        ToggleButton pred = new ToggleButton("Prediction");
        pred.setId("togglePrediction");
        pred.setTooltip(new Tooltip("Show the live prediction (O)"));
        pred.selectedProperty().bindBidirectional(canvas.showPredictionProperty());
        Slider opacity = new Slider(0, 1, canvas.predictionOpacityProperty().get());
        opacity.setId("predictionOpacity");
        opacity.setPrefWidth(90);
        opacity.setTooltip(new Tooltip("Prediction opacity"));
        canvas.predictionOpacityProperty().bind(opacity.valueProperty());
        ToggleButton unc = new ToggleButton("Uncertainty");
        unc.setId("toggleUncertainty");
        unc.setTooltip(new Tooltip("Show where the model is unsure (U)"));
        unc.selectedProperty().bindBidirectional(canvas.showUncertaintyProperty());
        // the engine computes per-pixel uncertainty maps only while they are shown (they cost as much as the mask)
        canvas.showUncertaintyProperty().addListener((o, was, on) -> work(() -> engine.setPerPixelMaps(on), null,
                "Could not switch the uncertainty view"));
        items.add(pred);
        items.add(opacity);
        items.add(unc);
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        items.add(gap);
        items.add(button("fitButton", "icon-fit", "Fit (0)", canvas::fit));
        Button one = button("actualSizeButton", null, "100 % (Ctrl+1)", canvas::actualSize);
        one.setText("1:1");
        items.add(one);
        items.add(button("helpButton", "icon-help", "Shortcuts (?)", this::toggleHelp));
        ToolBar bar = new ToolBar(items.toArray(Node[]::new));
        bar.getStyleClass().add("main-toolbar");
        return bar;
    }

    private static Button button(String id, String icon, String tip, Runnable action) {
        Button b = new Button();
        b.setId(id);
        if (icon != null) {
            b.setGraphic(Icons.icon(icon));
        }
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        b.setFocusTraversable(false);
        return b;
    }

    private Node centre() {
        noPrediction.getStyleClass().add("badge");
        noPrediction.setId("noPrediction");
        imageInfo.getStyleClass().add("badge");
        imageInfo.setId("imageInfo");
        lowConfidence.getStyleClass().add("badge");
        lowConfidence.setId("lowConfidence");
        lowConfidence.setVisible(false);
        lowConfidence.setManaged(false);
        lowConfidence.setTooltip(new Tooltip("Nobody labelled this image yet: the prediction is shown only where the model's calibrated "
                + "confidence is at least " + Math.round(HIDE_BELOW * 100) + " %. Draw a stroke to see the whole mask."));
        HBox badges = new HBox(6, imageInfo, noPrediction, lowConfidence);
        badges.setPickOnBounds(false);
        badges.setMaxHeight(Region.USE_PREF_SIZE);
        StackPane.setAlignment(badges, Pos.TOP_LEFT);
        StackPane.setMargin(badges, new Insets(8));
        StackPane.setAlignment(notifier, Pos.BOTTOM_RIGHT);
        StackPane.setMargin(notifier, new Insets(12));
        StackPane centre = new StackPane(canvas, badges, helpOverlay, notifier);
        centre.getStyleClass().add("canvas-area");
        return centre;
    }

    private Node rightPanel() {
        TitledPane classesPane = new TitledPane("Classes", palette);
        TitledPane tagsPane = new TitledPane("Image tags", tagsPanel);
        TitledPane modelPane = new TitledPane("Model", modelPanel);
        for (TitledPane p : List.of(classesPane, tagsPane, modelPane)) {
            p.setCollapsible(true);
            p.getStyleClass().add("side-section");
        }
        VBox box = new VBox(6, classesPane, tagsPane, modelPane);
        box.setPadding(new Insets(8));
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        scroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        scroll.setPrefWidth(300);
        scroll.getStyleClass().add("side-panel");
        return scroll;
    }

    // ------------------------------------------------------------------------------------------------ background work

    /** Runs store work off the FX thread, counting it for {@link #isIdle()}; failures become notifications. */
    private <T> void work(java.util.concurrent.Callable<T> job, java.util.function.Consumer<T> onFx, String failure) {
        work(job, onFx, failure, null);
    }

    /** As {@link #work(java.util.concurrent.Callable, java.util.function.Consumer, String)}; {@code onFail} runs on the FX thread first. */
    private <T> void work(java.util.concurrent.Callable<T> job, java.util.function.Consumer<T> onFx, String failure, Runnable onFail) {
        pendingWork++;
        UiBackground.run(job, r -> {
            pendingWork--;
            if (onFx != null) {
                onFx.accept(r);
            }
        }, t -> {
            pendingWork--;
            if (onFail != null) {
                onFail.run();
            }
            notifier.error(failure, t, null);
        });
    }

    private void work(UiBackground.ThrowingRunnable job, Runnable onFx, String failure) {
        work(() -> {
            job.run();
            return Boolean.TRUE;
        }, r -> {
            if (onFx != null) {
                onFx.run();
            }
        }, failure);
    }

    // ------------------------------------------------------------------------------------------------ store changes

    @Override
    public void storeChanged(Set<Long> imageIds) {
        if (imageIds.contains(-1L)) {
            reloadClasses();
        }
        if (imageIds.contains(currentImage)) {
            reloadAnnotations();
        }
        reloadImages(false);
        reloadAcceptHistory(); // an accept undone, redone or cleared changes it without an event
    }

    @Override
    public void engineEvents(List<EngineEvent> events) {
        modelPanel.onEvents(events);
        Map<Long, Double> uncertainties = new HashMap<>();
        events.stream().filter(e -> e instanceof EngineEvent.PredictionsUpdated).map(e -> (EngineEvent.PredictionsUpdated) e)
                .filter(p -> !Double.isNaN(p.meanUncertainty())).forEach(p -> uncertainties.put(p.imageId(), p.meanUncertainty()));
        browser.setUncertainties(uncertainties);
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.PredictionsUpdated p && p.imageId() == currentImage) {
                showPrediction(p.imageId(), p.labels(), p.uncertainty(), p.confidence());
            } else if (e instanceof EngineEvent.HeavyRunUpdate u) {
                if (u.jobId() != null) {
                    heavyJobIds.add(u.jobId());
                }
                heavyBar.update(u);
            } else if (e instanceof EngineEvent.JobProgress p) {
                if (heavyJobIds.contains(p.jobId())) {
                    continue; // shown by the heavy bar, beside the interactive jobs' line
                }
                long now = System.nanoTime();
                String eta = jobEta.update(p.jobId(), p.done(), p.total(), now);
                if (!p.jobId().equals(shownJob) && p.lane() == Lane.INTERACTIVE
                        && jobEta.age(p.jobId(), now) < SHOW_JOB_AFTER_NANOS) {
                    continue; // the head retraining after a stroke is over long before anyone could read it
                }
                shownJob = p.jobId();
                statusBar.setText(p.title() + (p.total() > 0 ? " " + p.done() + "/" + p.total() : "")
                        + (p.message() == null || p.message().isBlank() ? "" : ": " + p.message()) + eta);
                statusBar.setProgress(p.total() > 0 ? (double) p.done() / p.total() : -1);
                cancelJob.setVisible(true);
            } else if (e instanceof EngineEvent.JobFinished f) {
                jobEta.finished(f.jobId());
                // jobs that never reported progress (predicting the neighbours, say) leave the status bar alone
                if (f.jobId().equals(shownJob)) {
                    shownJob = null;
                    statusBar.setProgress(0);
                    cancelJob.setVisible(false);
                    statusBar.setText(f.title() + " " + f.outcome().name().toLowerCase());
                }
                if (f.outcome() == EngineEvent.Outcome.FAILED) {
                    notifier.error(f.title() + " failed", f.message(), null);
                }
            }
        }
    }

    private void reloadClasses() {
        work(engine.classes()::list, list -> {
            classes = list;
            Map<Long, Integer> byId = new HashMap<>();
            Map<Integer, Integer> byIndex = new HashMap<>();
            for (ClassDef c : list) {
                byId.put(c.id(), c.rgb());
                byIndex.put(c.vocIndex(), c.rgb());
            }
            rgbByClassId = byId;
            colorTable = LabelPainter.colorTable(byIndex);
            palette.setClasses(list);
            tagsPanel.setClasses(list);
            canvas.backgroundColorProperty().set(background().map(c -> fx(c.rgb())).orElse(Color.BLACK));
            if (currentImage >= 0 && canvas.image() != null) {
                applyLatest();
                reloadPrediction(currentImage);
            }
        }, "Could not read the classes");
    }

    /** Reloads the image list; on opening, shows the image the user last looked at (else the first one to do). */
    private void reloadImages(boolean selectFirst) {
        work(() -> Map.entry(project.images(), selectFirst ? project.setting(LAST_IMAGE).orElse("") : ""), r -> {
            List<ImageEntry> list = r.getKey();
            browser.setImages(list);
            if (selectFirst && currentImage < 0 && !list.isEmpty()) {
                ImageEntry first = list.stream().filter(e -> Long.toString(e.id()).equals(r.getValue())).findFirst()
                        .orElse(list.stream().filter(e -> e.status() != ImageStatus.DONE).findFirst().orElse(list.get(0)));
                selectImage(first.id());
            }
            list.stream().filter(e -> e.id() == currentImage).findFirst().ifPresent(this::showImageInfo);
        }, "Could not read the image list");
        if (selectFirst) { // predictions stored by earlier sessions; live ones arrive as PredictionsUpdated
            work(project::storedUncertainties, browser::setUncertainties, "Could not read the stored predictions");
        }
    }

    private void showImageInfo(ImageEntry e) {
        imageInfo.setText(e.stem() + " · " + e.width() + "×" + e.height() + " · " + ImageBrowser.statusText(e.status()));
    }

    // ------------------------------------------------------------------------------------------------ current image

    /** Shows an image: decode in the background, then its labels and latest prediction. */
    public void selectImage(long id) {
        if (id == currentImage && canvas.image() != null) {
            return;
        }
        currentImage = id;
        long token = ++loadToken;
        // the engine predicts the current image first and prefetches the next ones' features
        UiBackground.run(() -> {
            engine.setCurrentImage(id);
            project.setSetting(LAST_IMAGE, Long.toString(id));
        }, null, t -> notifier.error("Could not switch images", t, null));
        browser.select(id);
        browser.images().stream().filter(e -> e.id() == id).findFirst().ifPresent(this::showImageInfo);
        canvas.setImage(List.of());
        latest = null;
        renderedIds.clear();
        renderedMaskKey = Long.MIN_VALUE;
        fullRenderInFlight = false;
        statusBar.setText("Loading image…");
        pendingWork++;
        UiBackground.on(UiBackground.images(), () -> ThumbnailCache.pyramid(engine.loadImage(id)), img -> {
            pendingWork--;
            if (token != loadToken) {
                return;
            }
            canvas.setImage(img);
            canvas.setLabels(new int[canvas.imageWidth() * canvas.imageHeight()]);
            renderedIds.clear();
            renderedMaskKey = -1;
            renderedColorKey = rgbByClassId.hashCode();
            statusBar.setText("Ready");
            reloadAnnotations();
            reloadPrediction(id);
        }, t -> {
            pendingWork--;
            if (token == loadToken) {
                statusBar.setText("Could not load the image");
                boolean large = String.valueOf(t.getMessage()).contains("too large");
                notifier.error("Could not open the image", t, large
                        ? "The file is fine but too large to process here: raise the project's pixel limit (import --max-megapixels) "
                                + "on a machine with the memory, or work on a smaller copy."
                        : "Check that the file still exists and is readable, or remove it from the project.");
            }
        });
    }

    private Annotations annotationsOf(long id) {
        var a = labels.of(id);
        return new Annotations(id, a.strokes(), a.mask(), a.tags());
    }

    private void reloadAnnotations() {
        long id = currentImage;
        if (id < 0) {
            return;
        }
        work(() -> annotationsOf(id), a -> {
            if (a.imageId() != currentImage) {
                return;
            }
            latest = a;
            tagsPanel.setTags(a.imageId(), a.tags());
            applyLatest();
        }, "Could not read the labels of this image");
    }

    /** Brings the labels layer up to {@link #latest}: new strokes painted in place, anything else redrawn in full. */
    private void applyLatest() {
        Annotations a = latest;
        if (a == null || canvas.image() == null || fullRenderInFlight) {
            return;
        }
        List<Long> ids = a.strokes().stream().map(Stroke::id).toList();
        boolean prefix = ids.size() >= renderedIds.size() && ids.subList(0, renderedIds.size()).equals(renderedIds);
        int colorKey = rgbByClassId.hashCode();
        if (prefix && a.maskKey() == renderedMaskKey && colorKey == renderedColorKey) {
            for (Stroke s : a.strokes().subList(renderedIds.size(), ids.size())) {
                canvas.paintStroke(s.kind(), LabelPainter.colorOf(s, rgbByClassId), s.radius(), s.points());
                renderedIds.add(s.id());
            }
            return;
        }
        fullRenderInFlight = true;
        int w = canvas.imageWidth();
        int h = canvas.imageHeight();
        int[] table = colorTable.clone();
        Map<Long, Integer> colors = rgbByClassId;
        long token = loadToken;
        UiBackground.on(UiBackground.images(), () -> {
            int[] argb = new int[w * h];
            a.mask().filter(m -> m.labels().width() == w && m.labels().height() == h)
                    .ifPresent(m -> LabelPainter.paintLabels(m.labels(), table, argb));
            LabelPainter.paintStrokes(a.strokes(), colors, argb, w, h);
            return argb;
        }, argb -> {
            fullRenderInFlight = false;
            if (token != loadToken) {
                return;
            }
            canvas.setLabels(argb);
            renderedIds.clear();
            renderedIds.addAll(ids);
            renderedMaskKey = a.maskKey();
            renderedColorKey = colorKey;
            applyLatest();
        }, t -> {
            fullRenderInFlight = false;
            notifier.error("Could not draw the labels", t, null);
        });
    }

    private void reloadPrediction(long id) {
        work(() -> {
            Optional<EngineEvent.PredictionsUpdated> live = engine.latestPrediction(id);
            if (live.isPresent()) {
                return new Object[] {live.get().labels(), live.get().uncertainty(), live.get().confidence()};
            }
            return labels.storedPrediction(id).map(l -> new Object[] {l, null, null}).orElse(null);
        }, p -> {
            if (id != currentImage) {
                return;
            }
            if (p == null) {
                canvas.setPrediction(null);
                canvas.setUncertainty(null);
                lowConfidence.setVisible(false);
                lowConfidence.setManaged(false);
                updatePredictionBadge();
            } else {
                showPrediction(id, (LabelMap) p[0], (byte[]) p[1], (byte[]) p[2]);
            }
        }, "Could not read the prediction");
    }

    /** Whether nobody labelled the image (no stroke, mask or tag: the browser shows it as unlabelled). */
    private boolean untouched(long id) {
        return browser.images().stream().anyMatch(x -> x.id() == id && x.status() == ImageStatus.UNLABELLED);
    }

    /**
     * Shows a prediction; on an image nobody labelled, pixels below {@link #HIDE_BELOW} calibrated confidence are
     * hidden (when the confidence map came with it).
     */
    private void showPrediction(long id, LabelMap labels, byte[] uncertainty, byte[] confidence) {
        int[] table = colorTable.clone();
        long token = loadToken;
        boolean hide = confidence != null && untouched(id);
        pendingWork++;
        UiBackground.on(UiBackground.images(), () -> {
            int[] argb = LabelPainter.labelsToArgb(labels, table);
            int hidden = hide ? LabelPainter.hideBelow(argb, confidence, (int) Math.ceil(HIDE_BELOW * 255)) : -1;
            return new int[][] {argb, uncertainty == null ? null : LabelPainter.uncertaintyToArgb(uncertainty), {hidden, argb.length}};
        }, layers -> {
                    pendingWork--;
                    if (token != loadToken || id != currentImage) {
                        return;
                    }
                    canvas.setPrediction(layers[0]);
                    canvas.setUncertainty(layers[1]);
                    int hidden = layers[2][0];
                    lowConfidence.setVisible(hidden >= 0);
                    lowConfidence.setManaged(hidden >= 0);
                    lowConfidence.setText(hidden < 0 ? "" : "Unlabelled: only pixels ≥ " + Math.round(HIDE_BELOW * 100)
                            + " % sure shown (" + Math.round(100.0 * hidden / Math.max(1, layers[2][1])) + " % hidden)");
                    updatePredictionBadge();
                }, t -> {
                    pendingWork--;
                    notifier.error("Could not show the prediction", t, null);
                });
    }

    private void updatePredictionBadge() {
        noPrediction.setVisible(currentImage >= 0 && !canvas.hasPrediction());
        noPrediction.setManaged(noPrediction.isVisible());
        noPrediction.setText("No prediction yet");
    }

    // ------------------------------------------------------------------------------------------------ actions

    private Optional<ClassDef> background() {
        return classes.stream().filter(c -> c.vocIndex() == 0).findFirst();
    }

    private void stroke(Tool tool, boolean shift, float radius, float[] points, long durationMs) {
        if (tool.isRegion()) {
            regionClick(tool, points[0], points[1]);
            return;
        }
        long img = currentImage;
        if (img < 0 || canvas.image() == null) {
            return;
        }
        Long classId = null;
        int rgb = 0;
        if (tool.kind().needsClass()) {
            Optional<ClassDef> c = shift && tool == Tool.POINT ? background() : Optional.ofNullable(palette.selectedProperty().get());
            if (c.isEmpty()) {
                if (shift && tool == Tool.POINT) {
                    notifier.error("No background class", "Shift+click labels the background class (VOC index 0), and this project has none.",
                            "Add a class and give it VOC index 0, or click without Shift.");
                } else {
                    notifier.error("No class selected", "A scribble paints a class, and no class is selected.",
                            "Add a class in the palette on the right (+), or select one with the keys 1–9.");
                }
                return;
            }
            classId = c.get().id();
            rgb = c.get().rgb();
        }
        canvas.paintStroke(tool.kind(), rgb, radius, points);
        Long cls = classId;
        StrokeKind kind = tool.kind();
        work(() -> labels.commitStroke(img, cls, kind, radius, points, durationMs), s -> {
            if (s.imageId() == currentImage && !fullRenderInFlight && !renderedIds.contains(s.id())) {
                // painted above already; the change event that follows must not paint it again
                if (latest == null || latest.strokes().stream().noneMatch(x -> x.id() == s.id())) {
                    renderedIds.add(s.id());
                }
            }
        }, "The stroke was not saved and was taken off the image", () -> {
            // it was painted before the store had it: redraw the labels from what the store holds
            if (img == currentImage) {
                renderedMaskKey = Long.MIN_VALUE;
                reloadAnnotations();
            }
        });
    }

    void brush(double factor) {
        double r = canvas.brushRadiusProperty().get() * factor;
        canvas.brushRadiusProperty().set(Math.max(0.5, Math.min(500, Math.round(r * 2) / 2.0)));
    }

    void undo() {
        long img = currentImage;
        if (img < 0) {
            return;
        }
        work(() -> labels.undo(img), r -> statusBar.setText(r.map(x -> "Undid: " + x.replace("undo ", "")).orElse("Nothing to undo")),
                "Could not undo");
    }

    void redo() {
        long img = currentImage;
        if (img < 0) {
            return;
        }
        work(() -> labels.redo(img), r -> statusBar.setText(r.map(x -> "Redid: " + x.replace("redo ", "")).orElse("Nothing to redo")),
                "Could not redo");
    }

    /** The image's newest prediction: the live one, else the stored one. Off the FX thread. */
    private Optional<LabelMap> currentPrediction(long img) {
        return engine.latestPrediction(img).map(EngineEvent.PredictionsUpdated::labels)
                .or(() -> labels.storedPrediction(img));
    }

    /**
     * Accept = mark done: the latest prediction becomes the image's mask; the labelled pixels of a partial or
     * reopened mask (regions accepted or filled one by one) win over the prediction.
     */
    void accept() {
        long img = currentImage;
        if (img < 0) {
            return;
        }
        work(() -> {
            Optional<LabelMap> p = currentPrediction(img);
            if (p.isEmpty()) {
                return false;
            }
            LabelMap mask = p.get();
            Optional<MaskRecord> open = labels.mask(img).filter(MaskRecord::isOpen);
            if (open.isPresent()) {
                mask = Regions.overlay(mask, open.get().labels());
            }
            labels.setMask(img, mask, MaskRecord.ACCEPTED);
            return true;
        }, ok -> {
            if (ok) {
                statusBar.setText("Accepted the prediction: image done");
            } else {
                notifier.error("No prediction to accept", "The live head has not predicted this image yet.",
                        "Draw a few scribbles and wait for the overlay, then accept (A).");
            }
        }, "Could not accept the prediction");
    }

    /** What a region click did: an error title and hint, or a status line. */
    private record RegionOutcome(String error, String detail, String status) {
        static RegionOutcome failed(String error, String detail) {
            return new RegionOutcome(error, detail, null);
        }
    }

    /**
     * Accept region (R) writes the 4-connected predicted region under the click into the image's mask with its
     * predicted value; Fill region (F) writes it with the selected class. Without a mask the rest stays void and the
     * mask is partial (the image stays in progress); an existing mask keeps its source (a done image stays done).
     */
    void regionClick(Tool tool, float px, float py) {
        long img = currentImage;
        if (img < 0 || canvas.image() == null) {
            return;
        }
        int x = (int) Math.floor(px);
        int y = (int) Math.floor(py);
        ClassDef cls = palette.selectedProperty().get();
        if (tool == Tool.FILL_REGION && cls == null) {
            notifier.error("No class selected", "Fill region gives the predicted region under the click the selected class, and no class is selected.",
                    "Select a class in the palette or with the keys 1–9.");
            return;
        }
        Integer fill = tool == Tool.FILL_REGION ? cls.vocIndex() : null;
        String fillName = cls == null ? "" : cls.name();
        work(() -> {
            Optional<LabelMap> p = currentPrediction(img);
            if (p.isEmpty()) {
                return RegionOutcome.failed("No prediction yet", "The region tools pick a region of the prediction, and this image has none yet.");
            }
            LabelMap pred = p.get();
            int[] region = Regions.component(pred, x, y);
            int value = fill != null ? fill : region.length == 0 ? LabelMap.VOID : pred.get(x, y);
            if (region.length == 0 || value == LabelMap.VOID) {
                return RegionOutcome.failed("Nothing predicted here", "Click inside a region of the prediction overlay.");
            }
            Optional<MaskRecord> old = labels.mask(img);
            LabelMap base = old.map(MaskRecord::labels).orElseGet(() -> LabelMap.unlabelled(pred.width(), pred.height()));
            String source = old.map(MaskRecord::source).orElse(MaskRecord.PARTIAL);
            labels.setMask(img, Regions.fill(base, region, value), source);
            String what = fill != null ? "Filled a region with '" + fillName + "'" : "Accepted a region";
            return new RegionOutcome(null, null, what + " (" + region.length + " pixels)"
                    + (MaskRecord.PARTIAL.equals(source) ? "; accept (A) when the rest is right" : ""));
        }, r -> {
            if (r.error() != null) {
                notifier.error(r.error(), r.detail(), null);
            } else {
                statusBar.setText(r.status());
            }
        }, "Could not write the region into the mask");
    }

    /** D: marks an image with a complete mask not done (reopened), or done again. */
    void toggleDone() {
        long img = currentImage;
        if (img < 0) {
            return;
        }
        work(() -> labels.toggleDone(img), s -> statusBar.setText(s == ImageStatus.DONE ? "Marked done" : "Marked not done: the image is in progress"),
                "Could not mark the image done");
    }

    void confirmClear() {
        long img = currentImage;
        if (img < 0) {
            return;
        }
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Remove every stroke, tag and the accepted mask of this image?\n"
                + "You can undo this with Ctrl+Z.", ButtonType.OK, ButtonType.CANCEL);
        a.setHeaderText("Clear this image's labels");
        a.setTitle("Clear image");
        if (root.getScene() != null) {
            a.initOwner(root.getScene().getWindow());
        }
        a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> clearNow(img));
    }

    void clearNow(long img) {
        work(() -> labels.clear(img), () -> statusBar.setText("Cleared the image's labels"), "Could not clear the image");
    }

    /**
     * The image the engine suggests (most uncertain under the current head, least covered classes); without a
     * trained head, the next image that is not done in project order.
     */
    void nextImage() {
        long cur = currentImage;
        work(() -> engine.suggestNext(3), list -> {
            Optional<ImageEntry> s = list.stream().map(org.scribbleseg.engine.Suggestion::image).filter(e -> e.id() != cur).findFirst();
            if (s.isPresent() && cur == currentImage) {
                selectImage(s.get().id());
            } else if (cur == currentImage) {
                nextInOrder();
            }
        }, "Could not suggest the next image");
    }

    /** The next image that is not done, in project order after the current one (wrapping round). */
    void nextInOrder() {
        List<ImageEntry> all = new ArrayList<>(browser.images());
        all.sort(java.util.Comparator.comparingLong(ImageEntry::id));
        if (all.isEmpty()) {
            return;
        }
        int at = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id() == currentImage) {
                at = i;
            }
        }
        for (int k = 1; k <= all.size(); k++) {
            ImageEntry e = all.get((at + k) % all.size());
            if (e.status() != ImageStatus.DONE && e.id() != currentImage) {
                selectImage(e.id());
                return;
            }
        }
        notifier.info("All images are done", "Every other image has an accepted mask. Export VOC from the File menu.");
    }

    private void jobProgress(String text, double value) {
        statusBar.setText(text);
        boolean finished = Double.isNaN(value);
        statusBar.setProgress(finished ? 0 : value);
        cancelJob.setVisible(!finished);
    }

    /** File → Export PASCAL VOC: options, then the export in the background with progress and cancel. */
    void exportVoc() {
        var o = VocDialogs.ask(root.getScene() == null ? null : root.getScene().getWindow(), project.exportsDir().resolve("voc"));
        if (o != null) {
            exportVoc(o);
        }
    }

    void exportVoc(org.scribbleseg.engine.export.VocExporter.Options o) {
        VocDialogs.export(engine, o, uiJobCancel, this::jobProgress, r -> notifier.info("Exported PASCAL VOC",
                r.images() + " images (" + r.train() + " train, " + r.val() + " val" + (r.predicted() > 0 ? ", " + r.predicted() + " predicted" : "")
                        + ") to " + r.datasetRoot() + (r.warnings().isEmpty() ? "" : "\n" + r.warnings().size() + " warnings: "
                        + String.join("; ", r.warnings().stream().limit(3).toList()))),
                t -> notifier.error("Export failed", t, "Choose an empty folder, or tick 'Replace an earlier export'."));
    }

    /** File → Import PASCAL VOC into this project. */
    void importVoc() {
        javafx.stage.DirectoryChooser c = new javafx.stage.DirectoryChooser();
        c.setTitle("Import a PASCAL VOC folder (JPEGImages, SegmentationClass, ImageSets)");
        java.io.File f = c.showDialog(root.getScene() == null ? null : root.getScene().getWindow());
        if (f != null) {
            VocDialogs.importInto(engine, f.toPath(), this::jobProgress, s -> notifier.info("Imported PASCAL VOC", s),
                    t -> notifier.error("Import failed", t, "Choose the folder that holds JPEGImages and SegmentationClass."));
        }
    }

    void toggleHelp() {
        helpOverlay.setVisible(!helpOverlay.isVisible());
    }

    Shell shell() {
        return shell;
    }

    ProjectInfo project() {
        return project;
    }

    // ------------------------------------------------------------------------------------------------ keys

    private void keyPressed(KeyEvent e) {
        Node focus = root.getScene() == null ? null : root.getScene().getFocusOwner();
        if (focus instanceof TextInputControl) {
            if (e.getCode() == KeyCode.ESCAPE) {
                canvas.requestFocus();
                e.consume();
            }
            return;
        }
        boolean ctrl = e.isShortcutDown();
        KeyCode k = e.getCode();
        boolean handled = true;
        if (ctrl && k == KeyCode.Z) {
            if (e.isShiftDown()) {
                redo();
            } else {
                undo();
            }
        } else if (ctrl && k == KeyCode.Y) {
            redo();
        } else if (ctrl && (k == KeyCode.DIGIT1 || k == KeyCode.NUMPAD1)) {
            canvas.actualSize();
        } else if (ctrl || e.isAltDown()) {
            handled = false;
        } else if (k == KeyCode.SPACE) {
            canvas.setSpaceDown(true);
        } else if (k == KeyCode.DIGIT0 || k == KeyCode.NUMPAD0) {
            canvas.fit();
        } else if (k.isDigitKey()) {
            String name = k.getName();
            palette.selectByNumber(name.charAt(name.length() - 1) - '0');
        } else if (k == KeyCode.B) {
            canvas.toolProperty().set(Tool.BRUSH);
        } else if (k == KeyCode.P) {
            canvas.toolProperty().set(Tool.POINT);
        } else if (k == KeyCode.E) {
            canvas.toolProperty().set(Tool.ERASER);
        } else if (k == KeyCode.I) {
            canvas.toolProperty().set(Tool.IGNORE);
        } else if (k == KeyCode.R) {
            canvas.toolProperty().set(Tool.ACCEPT_REGION);
        } else if (k == KeyCode.F) {
            canvas.toolProperty().set(Tool.FILL_REGION);
        } else if (k == KeyCode.O) {
            canvas.showPredictionProperty().set(!canvas.showPredictionProperty().get());
        } else if (k == KeyCode.U) {
            canvas.showUncertaintyProperty().set(!canvas.showUncertaintyProperty().get());
            if (canvas.showUncertaintyProperty().get() && !canvas.hasUncertainty()) {
                notifier.info("No uncertainty yet", "Uncertainty comes with the live prediction of this image.");
            }
        } else if (k == KeyCode.N) {
            nextImage();
        } else if (k == KeyCode.A) {
            accept();
        } else if (k == KeyCode.D) {
            toggleDone();
        } else if (k == KeyCode.DELETE || k == KeyCode.BACK_SPACE) {
            confirmClear();
        } else if (k == KeyCode.ESCAPE) {
            helpOverlay.setVisible(false);
        } else if (k == KeyCode.F1) {
            toggleHelp();
        } else {
            handled = false;
        }
        if (handled) {
            e.consume();
        }
    }

    private void keyReleased(KeyEvent e) {
        if (e.getCode() == KeyCode.SPACE) {
            canvas.setSpaceDown(false);
            if (!(root.getScene() != null && root.getScene().getFocusOwner() instanceof TextInputControl)) {
                e.consume();
            }
        }
    }

    private void keyTyped(KeyEvent e) {
        if (root.getScene() != null && root.getScene().getFocusOwner() instanceof TextInputControl) {
            return;
        }
        switch (e.getCharacter()) {
            case "?" -> toggleHelp();
            case "[" -> brush(1 / 1.25);
            case "]" -> brush(1.25);
            case "+", "=" -> canvas.zoomAt(1.25, canvas.getWidth() / 2, canvas.getHeight() / 2);
            case "-" -> canvas.zoomAt(0.8, canvas.getWidth() / 2, canvas.getHeight() / 2);
            default -> {
                return;
            }
        }
        e.consume();
    }

    static Color fx(int rgb) {
        return Color.rgb((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }

    /** Stops listening and closes the project once every queued write has finished. */
    public void close() {
        bridge.close();
        thumbnails.close();
        canvas.release();
        loadToken++; // an image still loading is not shown
        UiBackground.store().submit(engine::close);
    }

    /** Puts this window into a scene (for tests and the screenshot tool). */
    public Scene scene(double w, double h) {
        Scene s = new Scene(root, w, h);
        Themes.apply(s, shell != null && shell.isDarkTheme());
        return s;
    }
}
