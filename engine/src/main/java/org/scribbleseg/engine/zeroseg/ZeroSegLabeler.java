package org.scribbleseg.engine.zeroseg;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.VitPreprocess;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.project.PreLabelSource;
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
    public static final String RUN_ID = PreLabelSource.ZEROSEG_RUN_ID;
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

    /** Run {@code runId} of the project (it must be a ZeroSeg run), or when null the latest ZeroSeg run with a checkpoint. */
    public static RunRecord run(ProjectStore store, String runId) {
        if (runId != null) {
            RunRecord r = store.run(runId).orElseThrow(() -> new ProjectException("no run '" + runId + "' in this project"));
            if (!ZeroSegJob.METHOD.equals(r.method())) {
                throw new ProjectException("run " + runId + " is a " + r.method() + " run, not zeroseg");
            }
            return r;
        }
        return store.runs().stream().filter(r -> ZeroSegJob.METHOD.equals(r.method()) && r.checkpoint() != null)
                .max(java.util.Comparator.comparing(RunRecord::id))
                .orElseThrow(() -> new ProjectException("no ZeroSeg run in this project yet: train one first"));
    }

    /** The CLIP teacher folder a run was trained with (as its worker recorded it in the checkpoint, else its config). */
    public static Path teacherOf(RunRecord r) {
        try {
            String t = "";
            if (r.checkpoint() != null) {
                t = Checkpoint.read(Path.of(r.checkpoint())).state().path("config").path("teacher").asText("");
            }
            if (t.isEmpty()) {
                t = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.configJson()).path("teacher").asText("");
            }
            return t.isEmpty() ? ClipModels.resolve(ClipModels.DEFAULT_MODEL).orElse(Path.of(ClipModels.DEFAULT_MODEL)) : Path.of(t);
        } catch (java.io.IOException e) {
            throw new ProjectException("run " + r.id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Labels every image of the project with the student of run {@code r} (its latest checkpoint) and stores the
     * pre-labels as {@value #RUN_ID}; {@code clip} gives the class text embeddings (null: the run's teacher).
     */
    public static PreLabels.Summary labelProject(ProjectStore store, RunRecord r, Path clip, float threshold, Path pngDir,
            org.scribbleseg.engine.util.TaskMonitor progress) throws IOException {
        if (r.checkpoint() == null) {
            throw new ProjectException("run " + r.id() + " has no checkpoint to label with");
        }
        Path text = clip != null ? clip : teacherOf(r);
        if (!ClipModels.complete(text)) {
            throw new ProjectException(ClipModels.NOT_INSTALLED);
        }
        try (ZeroSegLabeler z = new ZeroSegLabeler(Checkpoint.read(Path.of(r.checkpoint())), text, threshold)) {
            z.setClasses(store.classes());
            return PreLabels.writeAll(store, RUN_ID, z::label, pngDir, progress);
        }
    }
}
