package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.scene.image.Image;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;

/**
 * Thumbnails of the project's images, fetched on a background thread from the engine (the project's disk cache,
 * else decoded and downscaled to {@link #SIZE} there) and kept in a bounded in-memory cache. Requests for an image
 * already being made are merged.
 */
public final class ThumbnailCache {
    public static final int SIZE = 72;
    private static final int CAPACITY = 2000;

    private final Engine engine;
    private final ExecutorService worker;
    private final Map<Long, Image> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Image> e) {
            return size() > CAPACITY;
        }
    };
    private final Set<Long> pending = new HashSet<>();
    private final Map<Long, java.util.List<Consumer<Image>>> waiting = new java.util.HashMap<>();

    /** Thumbnails of {@code engine}'s images, fetched on a thread of the window's {@code background}. */
    public ThumbnailCache(Engine engine, UiBackground background) {
        this.engine = engine;
        this.worker = background.single("thumbnails");
    }

    /** The cached thumbnail or null; when null, {@code onReady} later gets it on the FX thread. */
    public Image get(ImageEntry e, Consumer<Image> onReady) {
        Image img = cache.get(e.id());
        if (img != null) {
            return img;
        }
        if (worker.isShutdown()) {
            return null; // the project was closed while a list refresh was still on its way
        }
        waiting.computeIfAbsent(e.id(), k -> new java.util.ArrayList<>()).add(onReady);
        if (pending.add(e.id())) {
            worker.submit(() -> {
                Image t;
                try {
                    t = toFx(engine.thumbnail(e, SIZE));
                } catch (RuntimeException ex) {
                    t = null;
                }
                Image done = t;
                Platform.runLater(() -> {
                    pending.remove(e.id());
                    if (done != null) {
                        cache.put(e.id(), done);
                    }
                    var list = waiting.remove(e.id());
                    if (list != null && done != null) {
                        list.forEach(c -> c.accept(done));
                    }
                });
            });
        }
        return null;
    }

    /**
     * The image at full resolution followed by halvings (box filter) down to about 1000 px on the long side: the
     * canvas draws zoomed-out views from the level nearest the screen resolution instead of resampling 12 MP each
     * frame. Callable off the FX thread.
     */
    static List<Image> pyramid(RgbImage src) {
        List<Image> levels = new ArrayList<>();
        levels.add(toFx(src));
        RgbImage cur = src;
        while (Math.max(cur.width(), cur.height()) > 1400) {
            cur = half(cur);
            levels.add(toFx(cur));
        }
        return levels;
    }

    static RgbImage half(RgbImage s) {
        int w = Math.max(1, s.width() / 2);
        int h = Math.max(1, s.height() / 2);
        byte[] in = s.rgb();
        byte[] out = new byte[w * h * 3];
        int sw = s.width();
        for (int y = 0; y < h; y++) {
            int r0 = (2 * y) * sw;
            int r1 = Math.min(2 * y + 1, s.height() - 1) * sw;
            for (int x = 0; x < w; x++) {
                int x0 = 2 * x;
                int x1 = Math.min(2 * x + 1, sw - 1);
                for (int c = 0; c < 3; c++) {
                    int v = (in[(r0 + x0) * 3 + c] & 0xff) + (in[(r0 + x1) * 3 + c] & 0xff)
                            + (in[(r1 + x0) * 3 + c] & 0xff) + (in[(r1 + x1) * 3 + c] & 0xff);
                    out[(y * w + x) * 3 + c] = (byte) ((v + 2) >> 2);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** A full-resolution FX image of a decoded image (callable off the FX thread). */
    static WritableImage toFx(RgbImage src) {
        WritableImage img = new WritableImage(src.width(), src.height());
        img.getPixelWriter().setPixels(0, 0, src.width(), src.height(), PixelFormat.getByteRgbInstance(), src.rgb(), 0, src.width() * 3);
        return img;
    }

    public void close() {
        worker.shutdownNow();
        cache.clear();
    }
}
