package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.feature.ClipBackbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.nn.ClipModel;
import org.scribbleseg.engine.nn.ClipTokenizer;
import org.scribbleseg.engine.project.ClassDef;

/** ZeroShotLabeler on the clip-tiny fixture (random weights: mechanics, not semantics). */
class ZeroShotLabelerTest {
    static Path dir;
    static NDManager manager;
    static ClipModel model;
    static ClipTokenizer tokenizer;

    static final List<ClassDef> CLASSES = List.of(
            new ClassDef(1, "background", 0, 0, "", List.of(), 0),
            new ClassDef(2, "cat", 0x800000, 1, "", List.of(), 1),
            new ClassDef(3, "chair", 0x008000, 2, "", List.of("chair", "armchair", "deckchair"), 2),
            new ClassDef(4, "tv", 0x808000, 3, "", List.of("tv/monitor"), 3));

    @BeforeAll
    static void load() throws Exception {
        dir = Path.of(ZeroShotLabelerTest.class.getResource("/fixtures/clip-tiny/config.json").toURI()).getParent();
        manager = NDManager.newBaseManager();
        model = ClipModel.load(dir, manager, true);
        tokenizer = ClipTokenizer.fromDirectory(dir);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static float[] reference(String prompt) {
        try (NDManager s = manager.newSubManager()) {
            NDArray ids = s.create(tokenizer.tokenize(List.of(prompt), 77));
            float[] e = model.encodeText(ids).textEmbeds().toFloatArray();
            double n = 0;
            for (float v : e) {
                n += v * v;
            }
            for (int i = 0; i < e.length; i++) {
                e[i] /= (float) Math.sqrt(n);
            }
            return e;
        }
    }

    static RgbImage image(int w, int h) {
        return new SyntheticScenes(3, 7).scene(1, w, h, 3).image();
    }

    @Test
    void promptsFollowTheTemplateExactly() {
        try (ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(64, 100f, 0.9f))) {
            z.setClasses(CLASSES);
            assertThat(z.prompts()).containsExactly("a photo of a background.", "a photo of a cat.",
                    "a photo of a chair.", "a photo of a armchair.", "a photo of a deckchair.", "a photo of a tv/monitor.");
            assertThat(ZeroShotLabeler.prompt("dog")).isEqualTo("a photo of a dog.");
            // background with explicit concepts uses them
            z.setClasses(List.of(new ClassDef(1, "background", 0, 0, "", List.of("sky", "wall"), 0)));
            assertThat(z.prompts()).containsExactly("a photo of a sky.", "a photo of a wall.");
        }
    }

    @Test
    void textEmbeddingsAreNormalisedEncodeText() {
        try (ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(64, 100f, 0.9f))) {
            z.setClasses(CLASSES);
            float[][] t = z.textEmbeddings();
            List<String> ps = z.prompts();
            assertThat(t.length).isEqualTo(ps.size());
            for (int i = 0; i < ps.size(); i++) {
                float[] ref = reference(ps.get(i));
                assertThat(t[i]).hasSize(ref.length);
                for (int c = 0; c < ref.length; c++) {
                    assertThat(t[i][c]).isCloseTo(ref[c], within(1e-5f));
                }
            }
            // distinct prompts give distinct embeddings (the cache is per prompt, not one shared vector)
            assertThat(t[1]).isNotEqualTo(t[2]);
        }
    }

    @Test
    void thresholdZeroLabelsEveryPixelWithTheIndependentArgmaxAtCellCentres() {
        // 60x60 at resolution 64 -> 4x4 grid of 15-pixel cells: pixel (15c+7) has its centre on the cell centre
        RgbImage img = image(60, 60);
        try (ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(64, 100f, 0f));
                ClipBackbone bb = ClipBackbone.load("clip", dir, 64)) {
            z.setClasses(CLASSES);
            ZeroShotLabeler.Result r = z.label(img);
            LabelMap m = r.labels();
            assertThat(m.width()).isEqualTo(60);
            assertThat(m.height()).isEqualTo(60);
            assertThat(m.labelledCount()).isEqualTo(60L * 60);
            FeatureMap f = bb.features(img);
            assertThat(f.height()).isEqualTo(4);
            assertThat(f.width()).isEqualTo(4);
            int[][] conceptsOwner = {{0}, {1}, {2, 3, 4}, {5}};
            String[] prompts = {"a photo of a background.", "a photo of a cat.", "a photo of a chair.",
                    "a photo of a armchair.", "a photo of a deckchair.", "a photo of a tv/monitor."};
            float[][] text = new float[prompts.length][];
            for (int i = 0; i < prompts.length; i++) {
                text[i] = reference(prompts[i]);
            }
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int gy = 0; gy < 4; gy++) {
                for (int gx = 0; gx < 4; gx++) {
                    double[] v = new double[f.channels()];
                    double n = 0;
                    for (int c = 0; c < v.length; c++) {
                        v[c] = f.get(c, gy, gx);
                        n += v[c] * v[c];
                    }
                    int best = -1;
                    double bestScore = Double.NEGATIVE_INFINITY;
                    double second = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < conceptsOwner.length; k++) {
                        double sk = Double.NEGATIVE_INFINITY;
                        for (int t : conceptsOwner[k]) {
                            double dot = 0;
                            for (int c = 0; c < v.length; c++) {
                                dot += v[c] * text[t][c];
                            }
                            sk = Math.max(sk, dot / Math.sqrt(n));
                        }
                        if (sk > bestScore) {
                            second = bestScore;
                            bestScore = sk;
                            best = k;
                        } else if (sk > second) {
                            second = sk;
                        }
                    }
                    int px = 15 * gx + 7;
                    int py = 15 * gy + 7;
                    assertThat(m.get(px, py)).as("cell %d,%d", gx, gy).isEqualTo(CLASSES.get(best).vocIndex());
                    seen.add(best);
                    if (bestScore - second > 0.05) {
                        // a clear margin means a confident pixel at temperature 100
                        assertThat(r.confidence()[py * 60 + px] & 0xff).isGreaterThan(255 / 2);
                    }
                }
            }
            // random weights still separate the classes somewhat: more than one class over 16 cells
            assertThat(seen).hasSizeGreaterThan(1);
        }
    }

    @Test
    void unreachableThresholdGivesAllVoid() {
        RgbImage img = image(50, 40);
        try (ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(64, 100f, 1.0f + 1e-3f))) {
            z.setClasses(CLASSES);
            LabelMap m = z.pseudoMask(img);
            assertThat(m.width()).isEqualTo(50);
            assertThat(m.height()).isEqualTo(40);
            assertThat(m.labelledCount()).isZero();
        }
    }

    @Test
    void addingAConceptCanOnlyRaiseTheClassScore() {
        RgbImage img = image(64, 48);
        List<ClassDef> one = List.of(new ClassDef(1, "background", 0, 0, "", List.of(), 0),
                new ClassDef(2, "chair", 0x800000, 1, "", List.of("chair"), 1));
        List<ClassDef> two = List.of(one.get(0), new ClassDef(2, "chair", 0x800000, 1, "", List.of("chair", "sofa"), 1));
        try (ZeroShotLabeler z = new ZeroShotLabeler(dir, new ZeroShotLabeler.Config(64, 100f, 0.9f))) {
            FeatureMap f = z.denseEmbeddings(img);
            z.setClasses(one);
            float[][] s1 = z.classScores(f);
            z.setClasses(two);
            float[][] s2 = z.classScores(f);
            boolean raised = false;
            for (int p = 0; p < s1[1].length; p++) {
                // unchanged up to the last bits: the text batch differs, and the fused attention kernel's blocking with it
                assertThat(s2[0][p]).isCloseTo(s1[0][p], org.assertj.core.data.Offset.offset(1e-6f));
                assertThat(s2[1][p]).isGreaterThanOrEqualTo(s1[1][p]);
                raised |= s2[1][p] > s1[1][p];
            }
            // the second concept wins somewhere, or the max would be untested
            assertThat(raised).isTrue();
        }
    }

    @Test
    void upsamplingTapsAreAlignCornersFalse() {
        int[] a = new int[60];
        int[] b = new int[60];
        float[] f = new float[60];
        ZeroShotLabeler.axis(60, 4, a, b, f);
        // pixel 7: centre 7.5 -> grid 0 exactly; pixel 22 -> grid 1 exactly
        assertThat(a[7]).isZero();
        assertThat(f[7]).isZero();
        assertThat(a[22]).isEqualTo(1);
        assertThat(f[22]).isZero();
        // pixel 15: (15.5)*4/60 - 0.5 = 0.5333 between cells 0 and 1
        assertThat(a[15]).isZero();
        assertThat(b[15]).isEqualTo(1);
        assertThat(f[15]).isCloseTo(0.53333f, within(1e-5f));
        // borders clamp to the first/last cell
        assertThat(a[0]).isZero();
        assertThat(f[0]).isZero();
        assertThat(a[59]).isEqualTo(3);
        assertThat(b[59]).isEqualTo(3);
    }
}
