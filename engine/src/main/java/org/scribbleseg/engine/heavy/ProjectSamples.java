package org.scribbleseg.engine.heavy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.LabelRasterizer;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.train.ProjectLabels;

/**
 * The project's labelled images at a small fixed grid ({@code size}×{@code size}) for heavy jobs that train on
 * pixels: RGB averaged per cell (0..1, channel-major) and per cell the most frequent labelled value (accepted mask
 * with strokes painted over it, as the live head sees them), {@link LabelMap#VOID} where nothing is labelled.
 * Images come in project order, so a run's data is a function of the project's state and the seed.
 */
public record ProjectSamples(int size, int[] classValues, List<Sample> samples, long dataRevision) {

    /** One image on the grid: {@code rgb} [3][size][size] flattened, {@code labels} class indices (0..K-1) or −1. */
    public record Sample(long imageId, float[] rgb, int[] labels) {
    }

    public static ProjectSamples load(Path project, int size) {
        try (ProjectStore store = ProjectStore.open(project)) {
            Map<Long, Integer> vocOf = ProjectLabels.vocOf(store.classes());
            Map<Long, List<Stroke>> strokes = store.allStrokes();
            Set<Long> withMask = new TreeSet<>(store.imagesWithMask());
            Set<Long> labelled = new TreeSet<>(strokes.keySet());
            labelled.addAll(withMask);
            List<LabelMap> maps = new ArrayList<>();
            List<RgbImage> images = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            TreeSet<Integer> values = new TreeSet<>();
            for (long id : labelled) {
                ImageEntry e = store.image(id).orElse(null);
                if (e == null) {
                    continue;
                }
                LabelMap base = withMask.contains(id) ? store.mask(id).map(MaskRecord::labels).orElse(LabelMap.unlabelled(e.width(), e.height()))
                        : LabelMap.unlabelled(e.width(), e.height());
                LabelMap lm = LabelRasterizer.rasterize(base, strokes.getOrDefault(id, List.of()), c -> vocOf.getOrDefault(c, LabelMap.VOID), false).labels();
                if (lm.labelledCount() == 0) {
                    continue;
                }
                for (byte b : lm.data()) {
                    if ((b & 0xff) != LabelMap.VOID) {
                        values.add(b & 0xff);
                    }
                }
                try {
                    images.add(ImageLoader.load(store.resolve(e)));
                } catch (java.io.IOException ex) {
                    throw new ProjectException("cannot read image " + store.resolve(e) + ": " + ex.getMessage(), ex);
                }
                maps.add(lm);
                ids.add(id);
            }
            if (ids.isEmpty()) {
                throw new ProjectException("nothing is labelled yet in " + project + ": draw scribbles or accept masks first");
            }
            if (values.size() < 2) {
                throw new ProjectException("only one class is labelled: a segmentation model needs at least two");
            }
            int[] classValues = values.stream().mapToInt(Integer::intValue).toArray();
            Map<Integer, Integer> index = new HashMap<>();
            for (int i = 0; i < classValues.length; i++) {
                index.put(classValues[i], i);
            }
            List<Sample> out = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                out.add(new Sample(ids.get(i), cellsRgb(images.get(i), size), cellsLabels(maps.get(i), size, index)));
            }
            return new ProjectSamples(size, classValues, out, store.revision());
        }
    }

    /** RGB averaged over each cell of a size×size grid, channel-major, 0..1. */
    public static float[] cellsRgb(RgbImage img, int size) {
        float[] out = new float[3 * size * size];
        int[] count = new int[size * size];
        int w = img.width();
        int h = img.height();
        byte[] px = img.rgb();
        for (int y = 0; y < h; y++) {
            int cy = (int) ((long) y * size / h);
            for (int x = 0; x < w; x++) {
                int cell = cy * size + (int) ((long) x * size / w);
                int o = (y * w + x) * 3;
                out[cell] += (px[o] & 0xff) / 255f;
                out[size * size + cell] += (px[o + 1] & 0xff) / 255f;
                out[2 * size * size + cell] += (px[o + 2] & 0xff) / 255f;
                count[cell]++;
            }
        }
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < size * size; i++) {
                out[c * size * size + i] /= Math.max(1, count[i]);
            }
        }
        return out;
    }

    private static int[] cellsLabels(LabelMap lm, int size, Map<Integer, Integer> index) {
        int k = index.size();
        int[][] votes = new int[size * size][k];
        int w = lm.width();
        int h = lm.height();
        byte[] d = lm.data();
        for (int y = 0; y < h; y++) {
            int cy = (int) ((long) y * size / h);
            for (int x = 0; x < w; x++) {
                int v = d[y * w + x] & 0xff;
                if (v != LabelMap.VOID) {
                    votes[cy * size + (int) ((long) x * size / w)][index.get(v)]++;
                }
            }
        }
        int[] out = new int[size * size];
        for (int i = 0; i < out.length; i++) {
            int best = -1;
            int bestVotes = 0;
            for (int c = 0; c < k; c++) {
                if (votes[i][c] > bestVotes) {
                    best = c;
                    bestVotes = votes[i][c];
                }
            }
            out[i] = best;
        }
        return out;
    }
}
