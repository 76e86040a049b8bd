package org.scribbleseg.app;

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
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TitledPane;
import javafx.scene.image.Image;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.controlsfx.control.StatusBar;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.ProjectInfo;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * The main window of an open project: image browser (left), canvas with tools (centre), class palette, tags and
 * model (right), status bar (bottom). All store and engine work runs on its {@link UiBackground}; engine events and
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
    private final LabelActions actions;
    private final Shell shell;
    private final Notifier notifier = new Notifier();
    private final ThumbnailCache thumbnails;
    private final ImageBrowser browser;
    private final ImageCanvas canvas = new ImageCanvas();
    private final ClassPalette palette;
    private final TagsPanel tagsPanel;
    private final ModelPanel modelPanel = new ModelPanel();
    private final StatusBar statusBar = new StatusBar();
    private final Label imageInfo = new Label();
    private final Label brushLabel = new Label();
    /** The jobs' part of the status bar: progress, Cancel, the heavy runs. */
    private final JobStatusLine jobLine;
    private final StackPane helpOverlay = Shortcuts.overlay();
    private final StackPane root;
    private final FxEngineBridge bridge;

    private List<ClassDef> classes = List.of();
    private long currentImage = -1;
    private long loadToken;

    /** The labels layer, kept in step with the store's labels of the current image. */
    private final LabelLayer layer;
    /** The prediction and uncertainty layers and their badges. */
    private final PredictionOverlay overlay;
    private int pendingWork;
    /** This window's background threads (store, images, long commands, thumbnails): ended by {@link #close()}. */
    private final UiBackground background;

    public MainWindow(Engine engine, Shell shell) {
        this.engine = engine;
        this.project = engine.project();
        this.labels = engine.annotations();
        this.shell = shell;
        this.background = UiBackground.of(engine);
        this.thumbnails = new ThumbnailCache(engine, background);
        this.browser = new ImageBrowser(thumbnails);
        this.palette = new ClassPalette(engine.classes(), notifier, background);
        this.tagsPanel = new TagsPanel(labels, notifier, background);
        this.actions = new LabelActions(this);
        this.layer = new LabelLayer(canvas, notifier, () -> loadToken, background);
        this.overlay = new PredictionOverlay(this, layer);

        BorderPane main = new BorderPane();
        main.setTop(new VBox(new MenuBuilder(this).build(), MainToolBar.build(this, brushLabel)));
        browser.setPrefWidth(272);
        browser.setMinWidth(200);
        main.setLeft(browser);
        main.setCenter(centre());
        main.setRight(rightPanel());
        main.setBottom(statusBar);
        statusBar.setText("Ready");
        statusBar.setId("statusBar");
        jobLine = new JobStatusLine(this, statusBar);
        root = new StackPane(main);
        root.getStyleClass().add("main-window");
        KeyBindings keys = new KeyBindings(this);
        root.addEventFilter(KeyEvent.KEY_PRESSED, keys::pressed);
        root.addEventFilter(KeyEvent.KEY_RELEASED, keys::released);
        root.addEventFilter(KeyEvent.KEY_TYPED, keys::typed);

        browser.setOnSelect(this::selectImage);
        palette.selectedProperty().addListener((o, a, c) -> {
            canvas.classColorProperty().set(c == null ? Color.GRAY : fx(c.rgb()));
        });
        canvas.setOnStroke(this::stroke);
        canvas.showPredictionProperty().addListener(o -> overlay.updateBadge());
        brushLabel.textProperty().bind(Bindings.format("%.0f px", canvas.brushRadiusProperty().multiply(2)));
        modelPanel.liveUpdate().selectedProperty().addListener((o, a, on) -> work(() -> {
            engine.setLiveUpdate(on);
            project.setSetting(LIVE_UPDATE, Boolean.toString(on));
        }, null, "Could not switch live update"));

        modelPanel.predictorChoice().valueProperty().addListener((o, a, c) -> {
            if (c != null && !modelPanel.updatingChoice() && !c.id().equals(engine.predictorStatus().choice())) {
                work(() -> engine.setPreferredPredictor(c.id()), s -> modelPanel.onEvents(List.of(s)), "Could not switch the model shown");
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
        UiBackground.on(background.jobs(), engine::checkImages, problems -> {
            if (!problems.isEmpty()) {
                notifier.error("Image files changed on disk", Engine.describeProblems(problems),
                        "Training leaves them out and export refuses them until they are re-linked "
                                + "(scribbleseg images <project> --relink …) or their labels dropped (--drop-labels).");
            }
        }, t -> notifier.error("Could not check the image files", t, null));
        work(() -> engine.heavy().interrupted(), jobLine.heavyBar()::offerResume, "Could not read the unfinished training runs");
        work(engine::reviewPredictors, s -> modelPanel.onEvents(List.of(s)), "Could not compare the models");
        work(() -> engine.heavy().latest().orElse(null), modelPanel.runCurve()::showRun, "Could not read the background run");
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

    ModelPanel modelPanel() {
        return modelPanel;
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
        return pendingWork == 0 && !layer.busy() && (currentImage < 0 || canvas.image() != null);
    }

    public String title() {
        return "ScribbleSeg — " + project.name();
    }

    // ------------------------------------------------------------------------------------------------ layout

    private Node centre() {
        imageInfo.getStyleClass().add("badge");
        imageInfo.setId("imageInfo");
        HBox badges = new HBox(6, imageInfo, overlay.noPrediction(), overlay.lowConfidence());
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

    /** The token of the image shown: work started for another image compares unequal and is dropped. */
    long imageToken() {
        return loadToken;
    }

    /** Runs {@code job} on the images thread (colouring, decoding), counted for {@link #isIdle()}. */
    <T> void onImages(java.util.concurrent.Callable<T> job, java.util.function.Consumer<T> onFx, java.util.function.Consumer<Throwable> onError) {
        pendingWork++;
        UiBackground.on(background.images(), job, r -> {
            pendingWork--;
            onFx.accept(r);
        }, t -> {
            pendingWork--;
            onError.accept(t);
        });
    }

    /** Runs store work off the FX thread, counting it for {@link #isIdle()}; failures become notifications. */
    <T> void work(java.util.concurrent.Callable<T> job, java.util.function.Consumer<T> onFx, String failure) {
        work(job, onFx, failure, null);
    }

    /** As {@link #work(java.util.concurrent.Callable, java.util.function.Consumer, String)}; {@code onFail} runs on the FX thread first. */
    private <T> void work(java.util.concurrent.Callable<T> job, java.util.function.Consumer<T> onFx, String failure, Runnable onFail) {
        pendingWork++;
        background.run(job, r -> {
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

    void work(UiBackground.ThrowingRunnable job, Runnable onFx, String failure) {
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
                overlay.show(p.imageId(), p.labels(), p.uncertainty(), p.confidence());
            } else {
                jobLine.onEvent(e);
            }
        }
    }

    private void reloadClasses() {
        work(engine.classes()::list, list -> {
            classes = list;
            layer.setClasses(list);
            palette.setClasses(list);
            tagsPanel.setClasses(list);
            canvas.backgroundColorProperty().set(background().map(c -> fx(c.rgb())).orElse(Color.BLACK));
            if (currentImage >= 0 && canvas.image() != null) {
                layer.apply();
                overlay.reload(currentImage);
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
        background.run(() -> {
            engine.setCurrentImage(id);
            project.setSetting(LAST_IMAGE, Long.toString(id));
        }, null, t -> notifier.error("Could not switch images", t, null));
        browser.select(id);
        browser.images().stream().filter(e -> e.id() == id).findFirst().ifPresent(this::showImageInfo);
        canvas.setImage(List.of());
        layer.clear();
        statusBar.setText("Loading image…");
        pendingWork++;
        UiBackground.on(background.images(), () -> ThumbnailCache.pyramid(engine.loadImage(id)), img -> {
            pendingWork--;
            if (token != loadToken) {
                return;
            }
            canvas.setImage(img);
            layer.imageShown();
            statusBar.setText("Ready");
            reloadAnnotations();
            overlay.reload(id);
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

    private void reloadAnnotations() {
        long id = currentImage;
        if (id < 0) {
            return;
        }
        work(() -> labels.of(id), a -> {
            if (a.imageId() != currentImage) {
                return;
            }
            tagsPanel.setTags(a.imageId(), a.tags());
            layer.show(a);
        }, "Could not read the labels of this image");
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
            if (s.imageId() == currentImage) {
                layer.painted(s); // painted above already; the change event that follows must not paint it again
            }
        }, "The stroke was not saved and was taken off the image", () -> {
            // it was painted before the store had it: redraw the labels from what the store holds
            if (img == currentImage) {
                layer.invalidate();
                reloadAnnotations();
            }
        });
    }

    void brush(double factor) {
        double r = canvas.brushRadiusProperty().get() * factor;
        canvas.brushRadiusProperty().set(Math.max(0.5, Math.min(500, Math.round(r * 2) / 2.0)));
    }

    void undo() {
        actions.undo();
    }

    void redo() {
        actions.redo();
    }

    void accept() {
        actions.accept();
    }

    void regionClick(Tool tool, float px, float py) {
        actions.regionClick(tool, px, py);
    }

    void toggleDone() {
        actions.toggleDone();
    }

    void confirmClear() {
        actions.confirmClear();
    }

    void clearNow(long img) {
        actions.clearNow(img);
    }

    /** The status line's text. */
    void status(String text) {
        statusBar.setText(text);
    }

    void hideHelp() {
        helpOverlay.setVisible(false);
    }

    void nextImage() {
        actions.nextImage();
    }

    void nextInOrder() {
        actions.nextInOrder();
    }

    /** File → Export PASCAL VOC: options, then the export in the background with progress and cancel. */
    void exportVoc() {
        var o = VocDialogs.ask(root.getScene() == null ? null : root.getScene().getWindow(), project.exportsDir().resolve("voc"));
        if (o != null) {
            exportVoc(o);
        }
    }

    void exportVoc(org.scribbleseg.engine.export.VocExporter.Options o) {
        VocDialogs.export(engine, background, o, jobLine, r -> notifier.info("Exported PASCAL VOC",
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
            VocDialogs.importInto(engine, background, f.toPath(), jobLine, s -> notifier.info("Imported PASCAL VOC", s),
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

    static Color fx(int rgb) {
        return Color.rgb((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }

    /**
     * Stops listening and closes the project once every queued write has finished, then the window's background
     * threads end; never blocks. The future completes when the engine is closed.
     */
    public java.util.concurrent.CompletableFuture<Void> close() {
        bridge.close();
        thumbnails.close();
        canvas.release();
        loadToken++; // an image still loading is not shown
        return background.close(engine::close);
    }

    /** The window's background threads. */
    UiBackground ui() {
        return background;
    }

    /** Puts this window into a scene (for tests and the screenshot tool). */
    public Scene scene(double w, double h) {
        Scene s = new Scene(root, w, h);
        Themes.apply(s, shell != null && shell.isDarkTheme());
        return s;
    }
}
