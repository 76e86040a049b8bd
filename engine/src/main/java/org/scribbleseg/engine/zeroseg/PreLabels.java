package org.scribbleseg.engine.zeroseg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.scribbleseg.engine.export.PalettePng;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.ZeroShotLabeler;
import org.scribbleseg.engine.util.TaskMonitor;

/** Writes zero-shot pre-labels (MaskCLIP or ZeroSeg) for every image of a project as one prediction run. */
public final class PreLabels {
    private PreLabels() {
    }

    /** Images labelled, pixels labelled (not void) and pixels in all. */
    public record Summary(int images, long labelled, long pixels, double seconds) {
        public double labelledShare() {
            return (double) labelled / Math.max(1, pixels);
        }
    }

    /**
     * Labels every image with {@code labeler}, stores the result as prediction run {@code runId} and, when
     * {@code pngDir} is not null, as palette PNGs named after the image stems. Progress after each image (images done,
     * images, "stem: p% labelled, mean uncertainty u"); a cancelled {@code monitor} stops before the next image and the
     * summary counts the images labelled so far.
     */
    public static Summary writeAll(ProjectStore store, String runId, Function<RgbImage, ZeroShotLabeler.Result> labeler, Path pngDir,
            TaskMonitor monitor) throws IOException {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        if (pngDir != null) {
            Files.createDirectories(pngDir);
        }
        var images = store.images();
        long labelled = 0;
        long total = 0;
        long t0 = System.nanoTime();
        int done = 0;
        for (ImageEntry e : images) {
            if (progress.isCancelled()) {
                break;
            }
            RgbImage img = ImageLoader.load(store.resolve(e));
            ZeroShotLabeler.Result r = labeler.apply(img);
            store.savePrediction(e.id(), runId, r.labels(), r.confidence(), r.meanUncertainty());
            if (pngDir != null) {
                PalettePng.write(r.labels(), pngDir.resolve(e.stem() + ".png"));
            }
            labelled += r.labels().labelledCount();
            total += (long) img.width() * img.height();
            done++;
            progress.progress(done, images.size(), String.format(java.util.Locale.ROOT,
                    "%s: %.1f%% labelled, mean uncertainty %.3f", e.stem(),
                    100.0 * r.labels().labelledCount() / Math.max(1, (long) r.labels().width() * r.labels().height()),
                    r.meanUncertainty()));
        }
        return new Summary(done, labelled, total, (System.nanoTime() - t0) / 1e9);
    }
}
