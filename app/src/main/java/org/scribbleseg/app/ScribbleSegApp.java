package org.scribbleseg.app;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.TextInputDialog;
import javafx.stage.DirectoryChooser;
import javafx.stage.Stage;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.ProjectInfo;

/**
 * The application shell: one window that shows the start screen or an open project. Opening and creating run in
 * the background; the window never waits on them.
 */
public final class ScribbleSegApp extends Application implements MainWindow.Shell {
    public static final Path DEMO = Path.of("projects", "demo", "demo.sseg");

    private Stage stage;
    private Scene scene;
    private MainWindow window;
    private StartScreen start;
    private boolean dark;
    /** The shell's own background work (opening, creating, importing a project); ended by {@link #quit()}. */
    private final UiBackground shellThreads = UiBackground.standalone("shell");
    /** Completes when the project closed last is closed (its queued writes done, its engine closed). */
    private volatile CompletableFuture<Void> lastClosed = CompletableFuture.completedFuture(null);

    @Override
    public void start(Stage primary) {
        List<String> args = getParameters() == null ? List.of() : getParameters().getUnnamed();
        Path project = !args.isEmpty() ? Path.of(args.get(0)) : (Prefs.exists(DEMO) ? DEMO : null);
        startWith(primary, project);
    }

    /** Shows the window with {@code project} opening (or the start screen when null). */
    public void startWith(Stage primary, Path project) {
        stage = primary;
        dark = Prefs.darkTheme();
        showStart();
        scene = new Scene(start.root(), 1400, 900);
        Themes.apply(scene, dark);
        stage.setScene(scene);
        stage.setTitle("ScribbleSeg");
        stage.setMinWidth(900);
        stage.setMinHeight(600);
        stage.setOnCloseRequest(e -> quit());
        stage.show();
        if (project != null) {
            openProject(project);
        }
    }

    /** Completes when the project closed last has closed (for tests: nothing of it still runs). */
    public CompletableFuture<Void> lastClosed() {
        return lastClosed;
    }

    private void awaitClosed() throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            lastClosed.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // the earlier project's close failed (reported there); opening this one may still work
        }
    }

    public MainWindow window() {
        return window;
    }

    private void setRoot(Parent p) {
        if (scene != null) {
            scene.setRoot(p);
        }
    }

    private void showStart() {
        start = new StartScreen(this, this::openProject);
        setRoot(start.root());
        if (stage != null) {
            stage.setTitle("ScribbleSeg");
        }
    }

    /**
     * Opens a project in the background and shows it; a template project (the demo) opens as its working copy in the
     * user data folder, so the template itself is never written to.
     */
    public void openProject(Path dir) {
        if (start != null) {
            start.progress("Opening " + dir + "…", -1);
        }
        shellThreads.run(() -> {
            awaitClosed();
            return Engine.open(ProjectInfo.resolve(dir));
        }, this::show, t -> {
            if (start == null || window != null) {
                showStart();
            }
            start.progress("", -1);
            start.notifier().error("Could not open " + dir.getFileName(), t,
                    Files.isDirectory(dir) ? "Choose a folder ending in .sseg that holds a project.db." : "The folder does not exist; choose another.");
        });
    }

    private void show(Engine engine) {
        if (window != null) {
            lastClosed = window.close();
        }
        Prefs.addRecent(engine.project().root());
        window = new MainWindow(engine, this);
        start = null;
        setRoot(window.root());
        stage.setTitle(window.title());
        if (ProjectInfo.templateOf(engine.project().root()).isPresent()) {
            window.notifier().info("Demo: a working copy", "Your changes go to " + engine.project().root()
                    + "; the demo in the repository stays as it is. File → Reset demo starts afresh.");
        }
    }

    /**
     * The demo template this app offers on its start screen: {@link #DEMO} below the working folder
     * ({@code -Dscribbleseg.demo} elsewhere), when it is there.
     */
    static Optional<Path> demoTemplate() {
        Path demo = Path.of(System.getProperty("scribbleseg.demo", DEMO.toString()));
        return ProjectInfo.isTemplate(demo) ? Optional.of(demo) : Optional.empty();
    }

    /**
     * Replaces the working copy of {@code template} (a template, or a working copy of one) with a fresh one and
     * opens it; an open project is closed first (its store closes before the files are replaced).
     */
    @Override
    public void resetDemo(Path template) {
        if (window != null) {
            closeProject();
        }
        start.progress("Resetting the demo…", -1);
        shellThreads.run(() -> {
            awaitClosed(); // the working copy's store is closed before its files are replaced
            return Engine.open(ProjectInfo.resetWorkingCopy(template));
        }, e -> {
            show(e);
            window.notifier().info("Demo reset", "A fresh working copy of the demo: " + e.project().root());
        }, t -> {
            if (start != null) {
                start.progress("", -1);
                start.notifier().error("Could not reset the demo", t, "Close other windows on the demo and try again.");
            }
        });
    }

    @Override
    public void openProjectDialog() {
        DirectoryChooser c = new DirectoryChooser();
        c.setTitle("Open a ScribbleSeg project (a folder ending in .sseg)");
        File f = c.showDialog(stage);
        if (f != null) {
            openProject(f.toPath());
        }
    }

    /**
     * Asks for a folder, then a project name (default: the folder's name); closes the open project when both are
     * given, so the start screen shows the progress.
     */
    private Optional<Map.Entry<File, String>> folderAndName(String chooserTitle, String dialogTitle, String where) {
        DirectoryChooser c = new DirectoryChooser();
        c.setTitle(chooserTitle);
        File f = c.showDialog(stage);
        if (f == null) {
            return Optional.empty();
        }
        TextInputDialog d = new TextInputDialog(f.getName());
        d.setTitle(dialogTitle);
        d.setHeaderText("The project is created in " + f + where);
        d.setContentText("Name");
        d.initOwner(stage);
        Optional<String> name = d.showAndWait().map(String::strip).filter(x -> !x.isEmpty());
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (window != null) {
            closeProject();
        }
        return Optional.of(Map.entry(f, name.get()));
    }

    @Override
    public void createProjectDialog() {
        Optional<Map.Entry<File, String>> choice = folderAndName("Choose the folder of images to label", "New project",
                "\nas <name>.sseg; the images stay where they are.");
        if (choice.isEmpty()) {
            return;
        }
        File f = choice.get().getKey();
        String name = choice.get().getValue();
        start.progress("Adding images…", 0);
        UiBackground.on(shellThreads.images(), () -> ProjectCreator.create(f.toPath(), name,
                new FxTaskMonitor((done, total, file) -> {
                    if (start != null) {
                        start.progress("Adding images: " + done + " of " + total, (double) done / total);
                    }
                })), r -> {
                    show(r.engine());
                    if (!r.skipped().isEmpty()) {
                        window.notifier().error(r.skipped().size() + " files were not added", String.join("\n", r.skipped().stream().limit(5).toList()),
                                "Convert them to PNG or JPEG, or remove them from the folder.");
                    } else {
                        window.notifier().info("Project created", r.added() + " images added. Add classes on the right, then scribble.");
                    }
                }, t -> {
                    if (start != null) {
                        start.progress("", -1);
                        start.notifier().error("Could not create the project", t, "Choose another folder or name.");
                    }
                });
    }

    /** A new project inside a VOC folder ({@code <voc>/<name>.sseg}) holding its images, masks and classes. */
    @Override
    public void importVocDialog() {
        Optional<Map.Entry<File, String>> choice = folderAndName(
                "Choose the PASCAL VOC folder (the one holding JPEGImages and SegmentationClass)", "New project from PASCAL VOC", " as <name>.sseg.");
        if (choice.isEmpty()) {
            return;
        }
        File f = choice.get().getKey();
        String n = choice.get().getValue();
        start.progress("Importing PASCAL VOC…", -1);
        UiBackground.on(shellThreads.jobs(), () -> {
            Engine e = Engine.create(f.toPath().resolve(n.endsWith(".sseg") ? n : n + ".sseg"));
            try {
                return Map.entry(e, e.importVoc(f.toPath()));
            } catch (Exception ex) {
                e.close();
                throw ex;
            }
        }, r -> {
            show(r.getKey());
            window.notifier().info("Imported PASCAL VOC", r.getValue());
        }, t -> {
            if (start != null) {
                start.progress("", -1);
                start.notifier().error("Could not import the VOC folder", t, "Choose the folder that holds JPEGImages and SegmentationClass.");
            }
        });
    }

    @Override
    public void closeProject() {
        if (window != null) {
            lastClosed = window.close();
            window = null;
        }
        showStart();
    }

    @Override
    public void setDarkTheme(boolean on) {
        dark = on;
        Prefs.setDarkTheme(on);
        if (scene != null) {
            Themes.apply(scene, on);
        }
    }

    @Override
    public boolean isDarkTheme() {
        return dark;
    }

    @Override
    public void quit() {
        if (window != null) {
            lastClosed = window.close();
            window = null;
        }
        // queued writes finish on the window's store thread and the engine closes before the JVM leaves
        lastClosed.whenComplete((v, t) -> Platform.runLater(Platform::exit));
        shellThreads.close(null);
    }
}
