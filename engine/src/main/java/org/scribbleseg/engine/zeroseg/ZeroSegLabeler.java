package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.VitPreprocess;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.train.ZeroShotLabeler;

/**
 * ZeroSeg pre-labels (methods.md §E inference, GroupViT's protocol): the trained student on the image (resized to
 * its input square, as in training) gives 8 segment tokens and every patch's segment; each segment token is scored
 * against the class text embeddings exactly as the MaskCLIP pre-labels score a patch ({@link
 * ZeroShotLabeler#classCosines}: "a photo of a {concept}." for each concept of each class, max over a class's
 * concepts). Background: the class with VOC index 0 is not prompted; a segment's foreground probability is
 * softmax(temperature · cosine) over the other classes, and a segment whose best probability is below
 * {@code min(threshold, the best segment probability of the image)} is background (GroupViT's rule; default
 * threshold {@value #DEFAULT_THRESHOLD}, GroupViT's PASCAL VOC setting; void when the project has no background
 * class). Labels are upsampled from the patch grid to the image by nearest neighbour; the confidence byte is the
 * segment's probability × 255.
 */
public final class ZeroSegLabeler implements AutoCloseable {
    /** Run id of the ZeroSeg pre-labels in the project store, next to MaskCLIP's {@value ZeroShotLabeler#RUN_ID}. */
    public static final String RUN_ID = "zeroshot-zeroseg";
    public static final float DEFAULT_THRESHOLD = 0.95f;
    public static final float TEMPERATURE = 100f;

    private final NDManager manager;
    private final ZeroSegModel model;
    private final ZeroShotLabeler text;
    private final float threshold;
    private List<ClassDef> classes = List.of();
    private List<ClassDef> foreground = List.of();
    private Integer backgroundValue;

    /** The student of {@code checkpoint} and the text tower of the CLIP model in {@code clipDir}. */
    public ZeroSegLabeler(Checkpoint checkpoint, Path clipDir, float threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        this.threshold = threshold;
        this.manager = NDManager.newBaseManager(ai.djl.Device.cpu());
        try {
            this.model = ZeroSegJob.forInference(checkpoint, manager);
            this.text = new ZeroShotLabeler(clipDir);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Text embeddings of every class but background (VOC index 0). */
    public void setClasses(List<ClassDef> defs) {
        this.classes = List.copyOf(defs);
        this.foreground = defs.stream().filter(c -> c.vocIndex() != 0).toList();
        this.backgroundValue = defs.stream().anyMatch(c -> c.vocIndex() == 0) ? 0 : null;
        if (foreground.isEmpty()) {
            throw new IllegalStateException("no foreground class to label with (only background)");
        }
        text.setClasses(foreground);
    }

    public List<ClassDef> classes() {
        return classes;
    }

    /** The pre-labels of {@code image}. */
    public ZeroShotLabeler.Result label(RgbImage image) {
        if (foreground.isEmpty()) {
            throw new IllegalStateException("setClasses first");
        }
        ZeroSegConfig cfg = model.config();
        int s = cfg.inputSize();
        float[] chw = MultiScaleViews.chw(MultiScaleViews.resize(image, s, s), VitPreprocess.CLIP_MEAN, VitPreprocess.CLIP_STD);
        int[] patchSegment;
        float[][] tokens;
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try (NDManager sub = manager.newSubManager()) {
            ZeroSegModel.Output o = model.forward(sub.create(chw, new Shape(1, 3, s, s)), null, null);
            patchSegment = ZeroSegModel.segmentOfPatch(o)[0];
            NDArray seg = o.segments().get(0);
            int k = (int) seg.getShape().get(0);
            int d = (int) seg.getShape().get(1);
            float[] flat = seg.toFloatArray();
            tokens = new float[k][d];
            for (int i = 0; i < k; i++) {
                System.arraycopy(flat, i * d, tokens[i], 0, d);
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
        int[] segClass = new int[tokens.length];
        float[] segProb = new float[tokens.length];
        float best = 0;
        for (int i = 0; i < tokens.length; i++) {
            float[] cos = text.classCosines(tokens[i]);
            int arg = 0;
            for (int c = 1; c < cos.length; c++) {
                if (cos[c] > cos[arg]) {
                    arg = c;
                }
            }
            double sum = 0;
            for (float c : cos) {
                sum += Math.exp(TEMPERATURE * (c - cos[arg]));
            }
            segClass[i] = foreground.get(arg).vocIndex();
            segProb[i] = (float) (1 / sum);
            best = Math.max(best, segProb[i]);
        }
        float cut = Math.min(threshold, best);
        int[] value = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            value[i] = segProb[i] >= cut ? segClass[i] : backgroundValue == null ? LabelMap.VOID : backgroundValue;
        }
        int g = cfg.grid();
        int w = image.width();
        int h = image.height();
        byte[] labels = new byte[w * h];
        byte[] conf = new byte[w * h];
        double unc = 0;
        for (int y = 0; y < h; y++) {
            int gy = (int) ((long) y * g / h);
            for (int x = 0; x < w; x++) {
                int seg = patchSegment[gy * g + (int) ((long) x * g / w)];
                labels[y * w + x] = (byte) value[seg];
                conf[y * w + x] = (byte) Math.round(segProb[seg] * 255);
                unc += 1 - segProb[seg];
            }
        }
        return new ZeroShotLabeler.Result(new LabelMap(w, h, labels), conf, unc / Math.max(1, (long) w * h));
    }

    @Override
    public void close() {
        try {
            text.close();
        } finally {
            manager.close();
        }
    }
}
