package org.scribbleseg.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.Dinov2Model;
import org.scribbleseg.engine.nn.ModelConfig;
import org.scribbleseg.engine.nn.Safetensors;

/**
 * Runs a model folder (config.json + model.safetensors) on every case of a golden {@code cases.safetensors} and
 * compares each stored tensor it can produce, by name, with {@code |ours - ref| <= atol + rtol * |ref|}.
 *
 * <p>Cases: {@code X.input} (image batch) runs the vision model and yields {@code X.embeddings},
 * {@code X.block<i>}, {@code X.x_norm} / {@code X.last_hidden}, {@code X.pos_embed}, and for CLIP
 * {@code X.image_embeds} and {@code X.dense_embeds}; {@code X.input_ids} runs the CLIP text tower and yields
 * {@code X.last_hidden_state}, {@code X.text_embeds}, {@code X.eot_index}. A top-level {@code logits_per_image}
 * [Bi, Bt] pairs the first image case with Bi images with the first text case with Bt rows.
 */
public final class ModelCheck {
    public static final double ATOL = 1e-4;
    public static final double RTOL = 1e-4;

    /** One compared tensor. */
    public record Result(String tensor, long[] shape, double maxAbsError, boolean pass, String note) {
    }

    /** All results, and the stored tensors nothing produced (inputs excluded). */
    public record Report(String modelType, List<Result> results, List<String> skipped) {
        public boolean ok() {
            return !results.isEmpty() && results.stream().allMatch(Result::pass);
        }

        public double maxAbsError() {
            return results.stream().mapToDouble(Result::maxAbsError).max().orElse(Double.NaN);
        }
    }

    private ModelCheck() {
    }

    public static Report run(Path modelDir, Path cases) {
        String type = ModelConfig.modelType(modelDir);
        try (NDManager m = NDManager.newBaseManager(); Safetensors st = Safetensors.open(cases)) {
            Map<String, NDArray> ours = switch (type) {
                case "dinov2", "dinov2_with_registers" -> runDinov2(modelDir, st, m);
                case "clip" -> runClip(modelDir, st, m);
                default -> throw new IllegalArgumentException(modelDir + ": unsupported model_type '" + type + "'");
            };
            List<Result> results = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (String name : new TreeSet<>(st.names())) {
                if (name.endsWith(".input") || name.endsWith(".input_ids")) {
                    continue;
                }
                NDArray mine = ours.get(name);
                if (mine == null) {
                    skipped.add(name);
                    continue;
                }
                results.add(compare(name, mine, st));
            }
            return new Report(type, results, skipped);
        }
    }

    private static Result compare(String name, NDArray mine, Safetensors st) {
        long[] refShape = st.info(name).shape();
        float[] ref = st.floats(name);
        float[] got = mine.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        if (!Arrays.equals(squeeze(refShape), squeeze(mine.getShape().getShape()))) {
            return new Result(name, refShape, Double.POSITIVE_INFINITY, false,
                    "shape " + mine.getShape() + " != " + Arrays.toString(refShape));
        }
        double maxErr = maxAbsError(got, ref, ATOL, RTOL);
        return new Result(name, refShape, Math.abs(maxErr), maxErr >= 0, "");
    }

    /**
     * Max |got - ref| over equal-length arrays (NaN counts as infinite), negated when any element is outside
     * {@code atol + rtol * |ref|} (so the sign says pass / fail).
     */
    static double maxAbsError(float[] got, float[] ref, double atol, double rtol) {
        double maxErr = 0;
        boolean pass = true;
        for (int i = 0; i < ref.length; i++) {
            double e = Math.abs((double) got[i] - ref[i]);
            if (Double.isNaN(e)) {
                e = Double.POSITIVE_INFINITY;
            }
            maxErr = Math.max(maxErr, e);
            if (!(e <= atol + rtol * Math.abs(ref[i]))) {
                pass = false;
            }
        }
        return pass ? maxErr : -maxErr;
    }

    private static long[] squeeze(long[] shape) {
        return Arrays.stream(shape).filter(d -> d != 1).toArray();
    }

    private static List<String> cases(Safetensors st, String suffix) {
        List<String> out = new ArrayList<>();
        for (String n : new TreeSet<>(st.names())) {
            if (n.endsWith(suffix) && n.indexOf('.') == n.length() - suffix.length()) {
                out.add(n.substring(0, n.length() - suffix.length()));
            }
        }
        return out;
    }

    private static Map<String, NDArray> runDinov2(Path dir, Safetensors st, NDManager m) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Dinov2Model model = Dinov2Model.load(dir, m)) {
            for (String c : cases(st, ".input")) {
                Dinov2Model.Output o = model.forward(st.array(m, c + ".input"), true);
                out.put(c + ".embeddings", o.embeddings());
                for (int i = 0; i < o.blocks().size(); i++) {
                    out.put(c + ".block" + i, o.blocks().get(i));
                }
                out.put(c + ".last_hidden", o.blocks().get(o.blocks().size() - 1));
                out.put(c + ".x_norm", o.xNorm());
                out.put(c + ".pos_embed", o.posEmbed());
            }
        }
        return out;
    }

    private static Map<String, NDArray> runClip(Path dir, Safetensors st, NDManager m) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (ClipModel model = ClipModel.load(dir, m, true)) {
            Map<String, NDArray> images = new LinkedHashMap<>();
            for (String c : cases(st, ".input")) {
                ClipModel.VisionOutput o = model.encodeImage(st.array(m, c + ".input"), true, true);
                out.put(c + ".embeddings", o.embeddings());
                for (int i = 0; i < o.blocks().size(); i++) {
                    out.put(c + ".block" + i, o.blocks().get(i));
                }
                out.put(c + ".last_hidden", o.lastHidden());
                out.put(c + ".image_embeds", o.imageEmbeds());
                out.put(c + ".dense_embeds", o.denseEmbeds());
                out.put(c + ".pos_embed", o.posEmbed());
                images.put(c, o.imageEmbeds());
            }
            Map<String, NDArray> texts = new LinkedHashMap<>();
            for (String c : cases(st, ".input_ids")) {
                ClipModel.TextOutput o = model.encodeText(st.array(m, c + ".input_ids"));
                out.put(c + ".last_hidden_state", o.lastHiddenState());
                out.put(c + ".text_embeds", o.textEmbeds());
                out.put(c + ".eot_index", m.create(o.eotIndex()));
                texts.put(c, o.textEmbeds());
            }
            if (st.contains("logits_per_image")) {
                long[] shape = st.info("logits_per_image").shape();
                NDArray img = first(images, shape.length == 2 ? shape[0] : -1);
                NDArray txt = first(texts, shape.length == 2 ? shape[1] : -1);
                if (img != null && txt != null) {
                    out.put("logits_per_image", model.logitsPerImage(img, txt));
                }
            }
        }
        return out;
    }

    private static NDArray first(Map<String, NDArray> embeds, long rows) {
        return embeds.values().stream().filter(a -> a.getShape().get(0) == rows).findFirst().orElse(null);
    }

    /** Shape as text, for reports. */
    public static String shape(long[] s) {
        return new Shape(s).toString();
    }
}
