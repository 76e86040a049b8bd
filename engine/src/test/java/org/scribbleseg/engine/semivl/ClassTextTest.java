package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ClipTokenizer;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.train.TorchThreads;

/** SemiVL's text rules (spec §3) with our CLIP text tower on the clip-tiny fixture. */
class ClassTextTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void threads() {
        TorchThreads.set(1);
    }

    private static final List<ClassDef> CLASSES = List.of(
            new ClassDef(1, "background", 0, 0, "", List.of("background", "sky", "wall"), 0),
            new ClassDef(2, "cat", 0xff0000, 1, "", List.of(), 1),
            new ClassDef(3, "pottedplant", 0x00ff00, 2, "a plant in a pot", List.of("potted plant"), 2));

    private static float[] unit(float[] v) {
        return ClassText.normalize(v);
    }

    @Test
    void singleTemplateRowsConceptRowsAndConceptAverage() throws Exception {
        Path dir = SemiVlJobTest.clipTiny();
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir, m, true)) {
            ClipTokenizer tok = ClipTokenizer.fromDirectory(dir);
            Function<List<String>, float[][]> raw = ps -> ClassText.encode(clip, tok, ps);
            ClassText.Embeddings e = ClassText.compute(CLASSES, ClassText.Variant.SINGLE, raw);
            // decoder rows: "a photo of a {name}" (no full stop), L2-normalised
            assertThat(e.classPrompts()).containsExactly("a photo of a background", "a photo of a cat", "a photo of a pottedplant");
            for (int k = 0; k < 3; k++) {
                float[] direct = unit(ClassText.encode(clip, tok, List.of(e.classPrompts().get(k)))[0]);
                assertThat(e.classes()[k]).containsExactly(direct, within(1e-6f));
            }
            // concept rows: typed concepts (else the name), then the definition; each normalised separately
            assertThat(e.conceptPrompts()).containsExactly("a photo of a background", "a photo of a sky", "a photo of a wall",
                    "a photo of a cat", "a photo of a potted plant", "a photo of a a plant in a pot");
            assertThat(e.conceptClass()).containsExactly(0, 0, 0, 1, 2, 2);
            float[] sky = unit(ClassText.encode(clip, tok, List.of("a photo of a sky"))[0]);
            assertThat(e.concepts()[1]).containsExactly(sky, within(1e-6f));
            double n = 0;
            for (float x : e.concepts()[1]) {
                n += x * x;
            }
            assertThat(n).isCloseTo(1.0, within(1e-5));

            // conceptavg: mean of the raw (un-normalised) concept embeddings, then normalised
            ClassText.Embeddings avg = ClassText.compute(CLASSES, ClassText.Variant.CONCEPT_AVG, raw);
            float[][] r = ClassText.encode(clip, tok, List.of("a photo of a background", "a photo of a sky", "a photo of a wall"));
            float[] mean = new float[r[0].length];
            float[] meanOfUnits = new float[r[0].length];
            for (float[] row : r) {
                float[] u = unit(row);
                for (int j = 0; j < mean.length; j++) {
                    mean[j] += row[j] / 3;
                    meanOfUnits[j] += u[j] / 3;
                }
            }
            assertThat(avg.classes()[0]).containsExactly(unit(mean), within(1e-6f));
            float diff = 0;
            float[] other = unit(meanOfUnits);
            for (int j = 0; j < mean.length; j++) {
                diff = Math.max(diff, Math.abs(other[j] - avg.classes()[0][j]));
            }
            assertThat(diff).as("raw mean differs from the mean of normalised rows").isGreaterThan(1e-6f);
            // guidance aggregation is a max over the class's concept cosine maps, not a mean embedding
            float[][] cos = {{0.1f}, {0.4f}, {0.2f}, {0.3f}, {0.0f}, {0.5f}};
            float[][] perClass = Losses.conceptMax(cos, e.conceptClass(), 3);
            assertThat(perClass).isDeepEqualTo(new float[][] {{0.4f}, {0.3f}, {0.5f}});
        }
    }

    @Test
    void cacheRecomputesOnlyThePromptsOfAChangedClass() throws Exception {
        Path dir = SemiVlJobTest.clipTiny();
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir, m, true)) {
            ClipTokenizer tok = ClipTokenizer.fromDirectory(dir);
            List<List<String>> calls = new ArrayList<>();
            Function<List<String>, float[][]> enc = ps -> {
                calls.add(ps);
                return ClassText.encode(clip, tok, ps);
            };
            Path file = tmp.resolve("text.json");
            ClassText.Embeddings first = ClassText.compute(CLASSES, ClassText.Variant.SINGLE, ps -> {
                try {
                    return new ClassText.Cache(file, "clip-tiny").get(ps, enc);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(calls).hasSize(1);
            ClassText.Cache again = new ClassText.Cache(file, "clip-tiny");
            ClassText.Embeddings second = ClassText.compute(CLASSES, ClassText.Variant.SINGLE, ps -> again.get(ps, enc));
            assertThat(again.computed()).isZero();
            assertThat(second.classes()[1]).containsExactly(first.classes()[1]);
            List<ClassDef> renamed = List.of(CLASSES.get(0), new ClassDef(2, "kitten", 0xff0000, 1, "", List.of(), 1), CLASSES.get(2));
            ClassText.Cache third = new ClassText.Cache(file, "clip-tiny");
            ClassText.compute(renamed, ClassText.Variant.SINGLE, ps -> third.get(ps, enc));
            assertThat(third.computed()).isEqualTo(1);
            assertThat(calls.get(calls.size() - 1)).containsExactly("a photo of a kitten");
            // another model: nothing is reused
            ClassText.Cache otherModel = new ClassText.Cache(file, "another");
            ClassText.compute(CLASSES, ClassText.Variant.SINGLE, ps -> otherModel.get(ps, enc));
            assertThat(otherModel.computed()).isEqualTo(first.conceptPrompts().size() + 1);
        }
    }
}
