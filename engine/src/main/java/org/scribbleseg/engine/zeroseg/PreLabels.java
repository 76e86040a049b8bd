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

/** Writes zero-shot pre-labels (MaskCLIP or ZeroSeg) for every image of a project as one prediction run. */
public final class PreLabels {
    private PreLabels() {
    }

    /** What one image got. */
    public interface Progress {
        void image(ImageEntry e, ZeroShotLabeler.Result r, int done, int total);
    }

    /** Images labelled, pixels labelled (not void) and pixels in all. */
    public record Summary(int images, long labelled, long pixels, double seconds) {
        public double labelledShare() {
            return (double) labelled / Math.max(1, pixels);
        }
    }

    /**
     * Labels every image with {@code labeler}, stores the result as prediction run {@code runId} and, when
     * {@code pngDir} is not null, as palette PNGs named after the image stems.
     */
    public static Summary writeAll(ProjectStore store, String runId, Function<RgbImage, ZeroShotLabeler.Result> labeler, Path pngDir,
            Progress progress) throws IOException {
        if (pngDir != null) {
            Files.createDirectories(pngDir);
        }
        var images = store.images();
        long labelled = 0;
        long total = 0;
        long t0 = System.nanoTime();
        int done = 0;
        for (ImageEntry e : images) {
            RgbImage img = ImageLoader.load(store.resolve(e));
            ZeroShotLabeler.Result r = labeler.apply(img);
            store.savePrediction(e.id(), runId, r.labels(), r.confidence(), r.meanUncertainty());
            if (pngDir != null) {
                PalettePng.write(r.labels(), pngDir.resolve(e.stem() + ".png"));
            }
            labelled += r.labels().labelledCount();
            total += (long) img.width() * img.height();
            done++;
            if (progress != null) {
                progress.image(e, r, done, images.size());
            }
        }
        return new Summary(images.size(), labelled, total, (System.nanoTime() - t0) / 1e9);
    }
}
