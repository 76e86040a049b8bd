package org.scribbleseg.engine.eval;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;

/**
 * Reads a PASCAL-VOC-layout dataset for benchmarks: {@code JPEGImages/<id>.jpg}, {@code SegmentationClass/<id>.png}
 * (8-bit palette PNG; the palette <em>indices</em> are the labels, read through javax.imageio because OpenCV would
 * convert a palette PNG to colours), {@code ImageSets/Segmentation/<split>.txt}, {@code labelmap.txt}.
 */
public final class VocDataset {

    private final Path root;

    public VocDataset(Path root) {
        if (!Files.isDirectory(root.resolve("SegmentationClass"))) {
            throw new IllegalArgumentException("not a VOC-layout folder (no SegmentationClass/): " + root);
        }
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Image ids of a split (train, val, trainval). */
    public List<String> ids(String split) throws IOException {
        Path f = root.resolve("ImageSets/Segmentation/" + split + ".txt");
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String s = line.strip();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Class names from labelmap.txt in label-value order. */
    public List<String> classNames() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("labelmap.txt"), StandardCharsets.UTF_8)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                out.add(s.split(":", 2)[0]);
            }
        }
        return out;
    }

    public LabeledImage load(String id) throws IOException {
        BufferedImage img = ImageIO.read(root.resolve("JPEGImages/" + id + ".jpg").toFile());
        BufferedImage seg = ImageIO.read(root.resolve("SegmentationClass/" + id + ".png").toFile());
        if (img == null || seg == null) {
            throw new IOException("cannot decode " + id);
        }
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                rgb[p] = (byte) (row[x] >> 16);
                rgb[p + 1] = (byte) (row[x] >> 8);
                rgb[p + 2] = (byte) row[x];
            }
        }
        if (!(seg.getColorModel() instanceof IndexColorModel) || seg.getRaster().getNumBands() != 1) {
            throw new IOException(id + ".png is not a palette (indexed) PNG");
        }
        Raster r = seg.getRaster();
        byte[] lab = new byte[w * h];
        int[] idx = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, idx);
            for (int x = 0; x < w; x++) {
                lab[y * w + x] = (byte) idx[x];
            }
        }
        return new LabeledImage(id, new RgbImage(w, h, rgb), new LabelMap(w, h, lab));
    }

    /** {@code limit} images evenly spaced over a split (all when limit ≤ 0; CamVid ids are consecutive frames). */
    public List<LabeledImage> load(String split, int limit) throws IOException {
        List<String> ids = ids(split);
        int n = limit <= 0 ? ids.size() : Math.min(limit, ids.size());
        List<LabeledImage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(load(ids.get((int) ((long) i * ids.size() / n))));
        }
        return out;
    }
}
