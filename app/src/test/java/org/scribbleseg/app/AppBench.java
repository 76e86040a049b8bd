package org.scribbleseg.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.event.Event;
import javafx.event.EventHandler;
import javafx.geometry.Point2D;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import org.scribbleseg.engine.export.VocPalette;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;
import org.scribbleseg.engine.project.StoreListener;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Measures the real JavaFX app (Monocle headless, software rendering, real SQLite project): frame times while
 * panning/zooming a large image with prediction and labels layers shown, mouse release → stroke durable in the store,
 * and memory/open time with a many-image project. Driven by {@link AppBenchTest}: tiny sizes by default, the full
 * sizes with {@code -Dappbench.full=true}. Prints one JSON line starting with {@code APPBENCH }.
 */
final class AppBench {

    /** What to measure, and how much. */
    record Sizes(int imageW, int imageH, int pans, int zooms, int strokes, int projectImages, long settleMs) {
        static final Sizes FULL = new Sizes(4000, 3000, 100, 40, 20, 10_000, 3000);
        static final Sizes TINY = new Sizes(800, 600, 6, 4, 2, 120, 200);

        static Sizes fromProperties() {
            return Boolean.getBoolean("appbench.full") ? FULL : TINY;
        }
    }

    private final ScribbleSegApp app;
    private final FxRobot robot;
    private final Sizes sizes;
    final ObjectNode json = new ObjectMapper().createObjectNode();

    AppBench(ScribbleSegApp app, FxRobot robot, Sizes sizes) {
        this.app = app;
        this.robot = robot;
        this.sizes = sizes;
        json.put("mode", sizes == Sizes.FULL ? "full" : "tiny");
        json.put("rendering", "JavaFX " + System.getProperty("javafx.runtime.version") + " prism.order="
                + System.getProperty("prism.order") + " glass.platform=" + System.getProperty("glass.platform")
                + " (software, headless)");
        json.put("cpus", Runtime.getRuntime().availableProcessors());
    }

    // ------------------------------------------------------------------------------------------------ 2. strokes

    /**
     * Robot drags on the canvas; for each, the time from the canvas receiving MOUSE_RELEASED (an event filter on the
     * canvas, run just before its release handler) to the store listener call that follows commitStroke's commit
     * (fsynced) — and from the robot's release call on the test thread to the same listener call.
     */
    void strokes() throws Exception {
        ImageCanvas c = fx(() -> app.window().canvas());
        ProjectStore store = fx(() -> app.window().engine().store());
        long image = fx(() -> app.window().currentImage());
        ConcurrentLinkedQueue<Long> released = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> stored = new ConcurrentLinkedQueue<>();
        EventHandler<MouseEvent> filter = e -> released.add(System.nanoTime());
        StoreListener listener = (id, rev) -> {
            if (id == image) {
                stored.add(System.nanoTime());
            }
        };
        fx(() -> {
            c.addEventFilter(MouseEvent.MOUSE_RELEASED, filter);
            return null;
        });
        store.addListener(listener);
        double[] fromHandler = new double[sizes.strokes()];
        double[] fromRobot = new double[sizes.strokes()];
        try {
            for (int i = 0; i < sizes.strokes(); i++) {
                int before = store.strokes(image).size();
                released.clear();
                stored.clear();
                double y = sizes.imageH() * (0.1 + 0.8 * i / Math.max(1, sizes.strokes() - 1));
                robot.moveTo(screen(c, sizes.imageW() * 0.2, y)).press(MouseButton.PRIMARY)
                        .moveTo(screen(c, sizes.imageW() * 0.5, y + 10)).moveTo(screen(c, sizes.imageW() * 0.8, y));
                long robotRelease = System.nanoTime();
                robot.release(MouseButton.PRIMARY);
                WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> store.strokes(image).size() == before + 1 && !stored.isEmpty());
                long s = stored.peek();
                Long h = released.peek();
                fromHandler[i] = h == null ? Double.NaN : (s - h) / 1e6;
                fromRobot[i] = (s - robotRelease) / 1e6;
                WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> fx(() -> app.window().isIdle()));
            }
        } finally {
            store.removeListener(listener);
            fx(() -> {
                c.removeEventFilter(MouseEvent.MOUSE_RELEASED, filter);
                return null;
            });
        }
        stats("release_to_stored_ms", fromHandler);
        stats("robot_release_to_stored_ms", fromRobot);
        json.put("strokes", sizes.strokes());
    }

    // ------------------------------------------------------------------------------------------------ 1. frames

    /**
     * Pans (synthetic middle-button drags fired at the canvas: its own pan handler) and zooms ({@code zoomAt}, what
     * its scroll handler calls) with a prediction overlay and labels shown. Each frame: on the FX thread, from just
     * before the change to the end of a {@code snapshot} of the canvas queued behind the redraw the change requested
     * (the snapshot renders the canvas's recorded drawing in software and reads it back), so it counts event
     * handling, redraw() and rendering of the canvas.
     */
    void frames() throws Exception {
        ImageCanvas c = fx(() -> app.window().canvas());
        int w = fx(c::imageWidth);
        int h = fx(c::imageHeight);
        // a prediction as MainWindow shows a PredictionsUpdated: LabelMap → colour table → canvas.setPrediction
        LabelMap pred = new LabelMap(w, h, new byte[w * h]);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                pred.set(x, y, ((x / 200) + (y / 200)) % 3);
            }
        }
        int[] table = LabelPainter.colorTable(Map.of(0, VocPalette.rgb(0), 1, VocPalette.rgb(1), 2, VocPalette.rgb(2)));
        int[] predArgb = LabelPainter.labelsToArgb(pred, table);
        fx(() -> {
            c.setPrediction(predArgb);
            c.showPredictionProperty().set(true);
            c.fit();
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        json.put("canvas_size", fx(() -> (int) c.getWidth() + "x" + (int) c.getHeight()));
        json.put("has_prediction", fx(c::hasPrediction));
        json.put("image_size", w + "x" + h);

        double[] pan = new double[sizes.pans()];
        fx(() -> {
            c.actualSize(); // pan at 100 %: every screen pixel from the full-resolution level
            return null;
        });
        Point2D origin = fx(() -> c.toView(0, 0));
        frame(c, () -> fire(c, MouseEvent.MOUSE_PRESSED, 400, 400));
        for (int i = 0; i < pan.length; i++) {
            double a = 2 * Math.PI * i / 25;
            pan[i] = frame(c, () -> fire(c, MouseEvent.MOUSE_DRAGGED, 400 + 150 * Math.cos(a), 400 + 150 * Math.sin(a)));
        }
        frame(c, () -> fire(c, MouseEvent.MOUSE_RELEASED, 400, 400));
        Point2D moved = fx(() -> c.toView(0, 0));
        json.put("pan_moved_view_px", r(moved.distance(origin))); // proves the synthetic drags panned the view

        double[] zoom = new double[sizes.zooms()];
        fx(() -> {
            c.fit();
            return null;
        });
        double cx = fx(() -> c.getWidth() / 2);
        double cy = fx(() -> c.getHeight() / 2);
        for (int i = 0; i < zoom.length; i++) {
            double f = i < zoom.length / 2 ? 1.15 : 1 / 1.15; // in from fit to ~16× fit, then back out
            zoom[i] = frame(c, () -> c.zoomAt(f, cx, cy));
        }
        double[] all = new double[pan.length + zoom.length];
        System.arraycopy(pan, 0, all, 0, pan.length);
        System.arraycopy(zoom, 0, all, pan.length, zoom.length);
        stats("frame_ms", all);
        stats("pan_frame_ms", pan);
        stats("zoom_frame_ms", zoom);
        json.put("pan_steps", pan.length);
        json.put("zoom_steps", zoom.length);
    }

    private static double frame(ImageCanvas c, Runnable change) throws Exception {
        CompletableFuture<Double> done = new CompletableFuture<>();
        Platform.runLater(() -> {
            long t0 = System.nanoTime();
            change.run();
            // FIFO: runs after the redraw the change queued (requestRedraw → Platform.runLater(redraw))
            Platform.runLater(() -> {
                c.snapshot(null, null);
                done.complete((System.nanoTime() - t0) / 1e6);
            });
        });
        return done.get(30, TimeUnit.SECONDS);
    }

    private static void fire(ImageCanvas c, javafx.event.EventType<MouseEvent> type, double x, double y) {
        Point2D s = c.localToScene(x, y);
        Point2D sc = c.localToScreen(x, y);
        boolean down = type != MouseEvent.MOUSE_RELEASED;
        Event.fireEvent(c, new MouseEvent(type, s.getX(), s.getY(), sc.getX(), sc.getY(), MouseButton.MIDDLE, 1,
                false, false, false, false, false, down, false, false, false, false, null));
    }

    // ------------------------------------------------------------------------------------------------ 3. memory

    /** Builds a project of {@code projectImages} tiny PNGs through ProjectStore directly (fake sha256). */
    static Path manyImageProject(Path tmp, int n) throws Exception {
        Path images = Files.createDirectories(tmp.resolve("many-images"));
        List<Path> seeds = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            seeds.add(TestImages.grey(images, "seed" + i + ".png", 64, 48, 40 + 20 * i));
        }
        Path dir = tmp.resolve("many.sseg");
        ProjectStore store = ProjectStore.create(dir);
        try {
            store.addClass("background", VocPalette.rgb(0), 0, "", List.of());
            store.addClass("thing", VocPalette.rgb(1), 1, "", List.of());
            for (int i = 0; i < n; i++) {
                Path f = images.resolve(String.format("img-%05d.png", i));
                Files.copy(seeds.get(i % seeds.size()), f);
                store.addImage(f, String.format("%064x", i), 64, 48, Split.NONE);
            }
        } finally {
            store.close();
        }
        return dir;
    }

    /** Closes the current project, opens {@code dir}, times until the browser lists every image, then measures memory. */
    void openMany(Path dir, int n) throws Exception {
        fx(() -> {
            app.closeProject();
            return null;
        });
        app.lastClosed().get(30, TimeUnit.SECONDS);
        gc();
        json.put("heap_mb_before_open", heapMb());
        long t0 = System.nanoTime();
        fx(() -> {
            app.openProject(dir);
            return null;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!fx(() -> app.window() != null && app.window().browser().images().size() == n)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the browser did not list " + n + " images");
            }
            Thread.sleep(2);
        }
        json.put("open_ms", Math.round((System.nanoTime() - t0) / 1e5) / 10.0);
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> app.window().isIdle() && app.window().canvas().image() != null));
        json.put("open_to_idle_ms", Math.round((System.nanoTime() - t0) / 1e5) / 10.0);
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(sizes.settleMs()); // visible thumbnails are made in the background
        WaitForAsyncUtils.waitForFxEvents();
        gc();
        json.put("project_images", n);
        json.put("heap_mb", heapMb());
        json.put("rss_mb", rssMb());
        json.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1 << 20));
    }

    /**
     * Closes the project and reports the heap left (forced GC): what the closed project still holds, on the start
     * screen and after opening {@code another} project (JavaFX drops the textures of collected images only when it
     * next looks one up, i.e. draws an image).
     */
    void closeAndMeasure(Path another, int anotherImages) throws Exception {
        fx(() -> {
            app.closeProject();
            return null;
        });
        app.lastClosed().get(30, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        gc();
        json.put("heap_mb_after_closing_large_project", heapMb());
        // TestFX records every event the stage saw (their target: the old canvas) for the whole run; an app does not
        var log = org.testfx.api.FxToolkitContext.class.getDeclaredField("firedEvents");
        log.setAccessible(true);
        ((org.testfx.service.support.FiredEvents) log.get(org.testfx.api.FxToolkit.toolkitContext())).clearEvents();
        gc();
        json.put("heap_mb_after_closing_without_testfx_event_log", heapMb());
        fx(() -> {
            app.openProject(another);
            return null;
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> fx(() -> app.window() != null
                && app.window().browser().images().size() == anotherImages && app.window().isIdle()
                && app.window().canvas().image() != null));
        Thread.sleep(sizes.settleMs());
        gc();
        WaitForAsyncUtils.waitForFxEvents();
        fx(() -> {
            app.window().canvas().fit(); // one more draw of an image: stale texture entries are dropped
            return null;
        });
        WaitForAsyncUtils.waitForFxEvents();
        gc();
        json.put("heap_mb_after_opening_another_project", heapMb());
        if (Boolean.getBoolean("appbench.histo")) {
            histogram("after closing the large-image project");
        }
        String dump = System.getProperty("appbench.dump");
        if (dump != null && !dump.isBlank()) { // -Dappbench.dump=/tmp/x.hprof: live objects, for paths to GC roots
            Files.deleteIfExists(Path.of(dump));
            ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).dumpHeap(dump, true);
        }
    }

    /** Prints the top of the heap's class histogram (-Dappbench.histo=true): what is still held. */
    private static void histogram(String when) throws Exception {
        Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        String[] lines = out.toString().split("\n");
        System.out.println("APPBENCH heap histogram " + when + ":");
        for (int i = 0; i < Math.min(25, lines.length); i++) {
            System.out.println("  " + lines[i]);
        }
        System.out.println("APPBENCH live threads: " + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList());
    }

    private static void gc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static double heapMb() {
        return Math.round(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 104857.6) / 10.0;
    }

    private static double rssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 102.4) / 10.0;
            }
        }
        return Double.NaN;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void stats(String name, double[] v) {
        double[] s = Arrays.stream(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (s.length == 0) {
            return;
        }
        json.put(name + "_p50", r(pct(s, 50)));
        json.put(name + "_p95", r(pct(s, 95)));
        json.put(name + "_max", r(s[s.length - 1]));
    }

    private static double pct(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double r(double d) {
        return Math.round(d * 10) / 10.0;
    }

    private static Point2D screen(ImageCanvas c, double ix, double iy) throws Exception {
        return fx(() -> c.localToScreen(c.toView(ix, iy)));
    }

    private static <T> T fx(java.util.concurrent.Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(30, TimeUnit.SECONDS);
    }
}
