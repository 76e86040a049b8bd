package org.scribbleseg.engine.semivl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ClipTokenizer;
import org.scribbleseg.engine.project.ClassDef;

/**
 * SemiVL's text side (spec §3), from what the user typed for each class, computed by our CLIP text tower and frozen
 * (no text encoder runs during training):
 *
 * <ul>
 *   <li><b>decoder rows</b> [N, D], one per class: {@link Variant#SINGLE} (SemiVL's VOC default) embeds the single
 *       template {@value #TEMPLATE} with the class name (no full stop, no "an" correction), L2-normalised;
 *       {@link Variant#CONCEPT_AVG} averages the raw (un-normalised) embeddings of the class's concepts, then
 *       normalises;</li>
 *   <li><b>concept rows</b> [M, D] for the MaskCLIP guidance: every concept of every class embedded with the same
 *       template and normalised separately; a class's guidance score is the <b>max</b> over its concepts' cosine
 *       maps ({@link Losses#conceptMax}), never an average of embeddings.</li>
 * </ul>
 * A class's concepts are the concepts the user typed (as VOC's concept lists) or, when none, its name; a non-blank
 * definition is one more concept. No template ensembling.
 *
 * <p>Raw embeddings are cached per prompt in a file keyed by the model, so they are recomputed only for the prompts
 * of a class that changed (renamed, new concepts or definition).
 */
public final class ClassText {
    public static final String TEMPLATE = "a photo of a %s";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the decoder's class rows are made. */
    public enum Variant { SINGLE, CONCEPT_AVG }

    /** The embeddings of a class list; rows are L2-normalised. */
    public record Embeddings(float[][] classes, float[][] concepts, int[] conceptClass, List<String> classPrompts,
            List<String> conceptPrompts) {
    }

    private ClassText() {
    }

    public static String prompt(String s) {
        return String.format(TEMPLATE, s.strip());
    }

    /** The guidance concepts of a class: typed concepts (else the name), then the definition when given. */
    public static List<String> concepts(ClassDef c) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String s : c.concepts()) {
            if (s != null && !s.isBlank()) {
                out.add(s.strip());
            }
        }
        if (out.isEmpty()) {
            out.add(c.name().strip());
        }
        if (!c.definition().isBlank()) {
            out.add(c.definition().strip());
        }
        return new ArrayList<>(out);
    }

    /**
     * The embeddings of {@code classes} (in order) with {@code raw} giving un-normalised text embeddings of prompts.
     */
    public static Embeddings compute(List<ClassDef> classes, Variant variant, Function<List<String>, float[][]> raw) {
        List<String> classPrompts = new ArrayList<>();
        List<String> conceptPrompts = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            classPrompts.add(prompt(classes.get(k).name()));
            for (String c : concepts(classes.get(k))) {
                conceptPrompts.add(prompt(c));
                owner.add(k);
            }
        }
        List<String> all = new ArrayList<>(new LinkedHashSet<>(classPrompts));
        for (String p : conceptPrompts) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        float[][] e = raw.apply(all);
        Map<String, float[]> byPrompt = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            byPrompt.put(all.get(i), e[i]);
        }
        int[] conceptClass = owner.stream().mapToInt(Integer::intValue).toArray();
        float[][] concepts = new float[conceptPrompts.size()][];
        for (int i = 0; i < concepts.length; i++) {
            concepts[i] = normalize(byPrompt.get(conceptPrompts.get(i)));
        }
        float[][] rows = new float[classes.size()][];
        for (int k = 0; k < rows.length; k++) {
            if (variant == Variant.SINGLE) {
                rows[k] = normalize(byPrompt.get(classPrompts.get(k)));
            } else {
                float[] sum = null;
                int count = 0;
                for (int i = 0; i < conceptClass.length; i++) {
                    if (conceptClass[i] == k) {
                        float[] r = byPrompt.get(conceptPrompts.get(i));
                        sum = sum == null ? new float[r.length] : sum;
                        for (int j = 0; j < r.length; j++) {
                            sum[j] += r[j];
                        }
                        count++;
                    }
                }
                for (int j = 0; j < sum.length; j++) {
                    sum[j] /= count;
                }
                rows[k] = normalize(sum);
            }
        }
        return new Embeddings(rows, concepts, conceptClass, classPrompts, conceptPrompts);
    }

    static float[] normalize(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        double inv = 1 / Math.max(Math.sqrt(s), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * inv);
        }
        return out;
    }

    /** Raw (un-normalised) text embeddings of prompts with our CLIP text tower (fp32). */
    public static float[][] encode(ClipModel model, ClipTokenizer tokenizer, List<String> prompts) {
        if (prompts.isEmpty()) {
            return new float[0][];
        }
        long[][] ids = tokenizer.tokenize(prompts, ClipTokenizer.CONTEXT_LENGTH);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = model.encodeText(m.create(ids)).textEmbeds();
            int d = (int) e.getShape().get(1);
            float[] flat = e.toFloatArray();
            float[][] out = new float[prompts.size()][d];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * d, out[i], 0, d);
            }
            return out;
        }
    }

    /**
     * A per-prompt cache of raw embeddings in {@code file} (JSON) for one model ({@code modelKey}): prompts already
     * in it are read, the others computed with {@code encoder} and added. Returns the embeddings in prompt order.
     */
    public static final class Cache {
        private final Path file;
        private final String modelKey;
        private final Map<String, float[]> entries = new LinkedHashMap<>();
        private int computed;

        public Cache(Path file, String modelKey) throws IOException {
            this.file = file;
            this.modelKey = modelKey;
            if (Files.isRegularFile(file)) {
                ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
                if (modelKey.equals(root.path("model").asText())) {
                    root.path("prompts").fields().forEachRemaining(e -> {
                        float[] v = new float[e.getValue().size()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) e.getValue().get(i).asDouble();
                        }
                        entries.put(e.getKey(), v);
                    });
                }
            }
        }

        /** How many prompts this cache had to compute (not found in the file). */
        public int computed() {
            return computed;
        }

        public synchronized float[][] get(List<String> prompts, Function<List<String>, float[][]> encoder) {
            List<String> missing = prompts.stream().filter(p -> !entries.containsKey(p)).distinct().toList();
            if (!missing.isEmpty()) {
                float[][] e = encoder.apply(missing);
                for (int i = 0; i < e.length; i++) {
                    entries.put(missing.get(i), e[i]);
                }
                computed += missing.size();
                try {
                    write();
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException("cannot write the text-embedding cache " + file + ": " + ex.getMessage(), ex);
                }
            }
            float[][] out = new float[prompts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = entries.get(prompts.get(i)).clone();
            }
            return out;
        }

        private void write() throws IOException {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", modelKey);
            ObjectNode ps = root.putObject("prompts");
            entries.forEach((p, v) -> {
                ArrayNode a = ps.putArray(p);
                for (float x : v) {
                    a.add(x);
                }
            });
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".text-", ".json");
            Files.writeString(tmp, JSON.writeValueAsString(root));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
