package org.scribbleseg.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.nn.DdepDecoder;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.project.ImageEntry;

/** DDeP (seed 003): the noise and its target, the decoder's shapes, and a short real run that lowers both losses. */
class DdepTest {

    @TempDir
    Path tmp;

    @Test
    void theNoisyInputIsTheImagePlusSigmaTimesTheTargetNoise() {
        RgbImage im = gradient(33, 17);
        Denoising.Sample s = Denoising.corrupt(im, 0.1, new SplittableRandom(5));
        float[] x = Denoising.toSigned(im);
        assertThat(s.clean()).containsExactly(x);
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < x.length; i++) {
            assertThat(x[i]).isBetween(-1f, 1f);
            assertThat((double) s.noisy()[i]).isCloseTo(x[i] + 0.1 * s.eps()[i], org.assertj.core.data.Offset.offset(1e-6));
            sum += s.eps()[i];
            sq += s.eps()[i] * s.eps()[i];
        }
        // ε ~ N(0, 1): over 1683 draws the mean is within 0.1 and the variance within 0.15 of 1
        double mean = sum / x.length;
        assertThat(mean).isBetween(-0.1, 0.1);
        assertThat(sq / x.length - mean * mean).isBetween(0.85, 1.15);
        // black is -1 and white is +1, and the 8-bit round trip of a clean image is exact
        assertThat(Denoising.toSigned(new RgbImage(1, 1, new byte[] {0, (byte) 255, (byte) 128}))).containsExactly(-1f, 1f,
                128 / 127.5f - 1f);
        assertThat(Denoising.toImage(x, 33, 17).rgb()).isEqualTo(im.rgb());
        // the same seed draws the same noise
        assertThat(Denoising.corrupt(im, 0.1, new SplittableRandom(5)).eps()).containsExactly(s.eps());
    }

    @Test
    void theDecoderReturnsFullResolutionAtOddSizesAndAnyBackboneGrid() {
        try (NDManager m = NDManager.newBaseManager(); DdepDecoder d = new DdepDecoder(DdepDecoder.Config.defaults(5), 1, m)) {
            int[][] cases = {{37, 23, 19, 12}, {37, 23, 3, 2}, {1, 1, 1, 1}, {64, 9, 5, 1}, {15, 33, 15, 33}};
            for (int[] c : cases) {
                NDArray x = m.randomUniform(-1, 1, new Shape(1, 3, c[1], c[0]));
                NDArray f = m.randomNormal(new Shape(1, 5, c[3], c[2]));
                assertThat(d.forward(x, f).getShape()).as("%dx%d image, %dx%d grid", c[0], c[1], c[2], c[3])
                        .isEqualTo(new Shape(1, 3, c[1], c[0]));
            }
            d.replaceHead(4, 2);
            assertThat(d.forward(m.randomUniform(-1, 1, new Shape(2, 3, 21, 11)), m.randomNormal(new Shape(2, 5, 2, 1)))
                    .getShape()).isEqualTo(new Shape(2, 4, 21, 11));
            assertThatThrownBy(() -> d.forward(m.zeros(new Shape(1, 3, 8, 8)), m.zeros(new Shape(1, 6, 2, 2))))
                    .hasMessageContaining("features must be [1, 5, h, w]");
        }
    }

    @Test
    void aShortCpuRunOnTheDemoProjectLowersTheDenoisingLossAndThenTheCrossEntropy() throws Exception {
        Path project = org.scribbleseg.engine.testutil.DemoCopy.make(tmp);
        ClassicBackbone bb = new ClassicBackbone(4);
        // one libtorch thread: on a loaded 2-core box the multi-threaded kernels spin (7x slower here)
        int threads = TorchThreads.set(1);
        try (Engine engine = Engine.open(project, bb)) {
            // the demo's photos at a quarter of their size keep the run to seconds
            List<RgbImage> images = new ArrayList<>();
            for (ImageEntry e : engine.store().images()) {
                images.add(quarter(engine.loadImage(e)));
            }
            List<DdepTrainer.Labelled> labelled = new ArrayList<>();
            for (DdepTrainer.Labelled l : ProjectLabels.labelled(engine.store(), engine::loadImage)) {
                labelled.add(new DdepTrainer.Labelled(l.id(), quarter(l.image()), quarter(l.labels()), null));
            }
            assertThat(labelled).hasSizeGreaterThanOrEqualTo(2);
            int[] classes = ProjectLabels.classValues(engine.store());
            DdepTrainer.Config cfg = DdepTrainer.Config.defaults().withCrops(48, 64);
            try (DdepTrainer t = new DdepTrainer(bb, cfg)) {
                t.fitFeatureStats(images);
                double before = t.denoisingLoss(images, 9);
                for (int i = 0; i < 40; i++) {
                    t.pretrainStep(images);
                }
                double after = t.denoisingLoss(images, 9);
                assertThat(after).as("denoising MSE after 40 steps vs before").isLessThan(0.9 * before);

                t.startFineTune(classes);
                double ce0 = crossEntropy(t, labelled, bb);
                for (int i = 0; i < 30; i++) {
                    t.fineTuneStep(labelled);
                }
                double ce1 = crossEntropy(t, labelled, bb);
                assertThat(ce1).as("CE on the labelled pixels after 30 fine-tuning steps vs before").isLessThan(0.8 * ce0);
                assertThat(t.pretrainSteps()).isEqualTo(40);
                assertThat(t.fineTuneSteps()).isEqualTo(30);

                Path file = tmp.resolve("ddep.safetensors");
                t.save(file);
                DdepTrainer.Labelled l0 = labelled.get(0);
                FeatureMap f0 = bb.features(l0.image());
                Prediction p = new org.scribbleseg.engine.predict.DecoderPredictor(t).predict(l0.image(), f0);
                try (NDManager m = NDManager.newBaseManager(); DdepDecoder back = DdepDecoder.load(file, m)) {
                    assertThat(back.config()).isEqualTo(t.decoder().config());
                    NDArray x = m.create(Denoising.toSigned(l0.image()), new Shape(1, 3, l0.image().height(), l0.image().width()));
                    NDArray f = m.create(f0.data(), new Shape(1, f0.channels(), f0.height(), f0.width()));
                    NDArray a = back.forward(x, f);
                    NDArray b = t.decoder().forward(x, f);
                    assertThat(a.sub(b).abs().max().getFloat()).isLessThan(1e-5f);
                }
                assertThat(p.labels().width()).isEqualTo(l0.image().width());
            }
        } finally {
            TorchThreads.set(threads);
        }
    }

    @Test
    void aDecoderStartedFromTheLiveHeadPredictsWhatTheHeadPredicts() {
        List<SyntheticScenes.Scene> scenes = new SyntheticScenes(3, 21).scenes(0, 3, 57, 43);
        ClassicBackbone bb = new ClassicBackbone(4);
        List<TrainingImage> set = trainingSet(scenes, bb, SyntheticScenes.Scene::truth);
        LinearHead head = new WeakLabelHead(WeakLabelHead.Config.defaults()).train(set);
        try (DdepTrainer t = new DdepTrainer(bb, DdepTrainer.Config.defaults().withCrops(48, 48))) {
            t.fitFeatureStats(scenes.stream().map(SyntheticScenes.Scene::image).toList());
            // class 3 is not in the head: it must start out never predicted
            t.startFineTune(new int[] {0, 1, 2, 3}, head);
            assertThat(t.decoder().hasSkip()).isTrue();
            HeadPredictor hp = new HeadPredictor(false);
            for (SyntheticScenes.Scene s : scenes) {
                FeatureMap f = bb.features(s.image());
                LabelMap a = hp.predict(head, f, s.image().width(), s.image().height(), null).labels();
                LabelMap b = new org.scribbleseg.engine.predict.DecoderPredictor(t).predict(s.image(), f).labels();
                long same = 0;
                for (int i = 0; i < a.data().length; i++) {
                    same += a.data()[i] == b.data()[i] ? 1 : 0;
                    assertThat(b.data()[i]).isNotEqualTo((byte) 3);
                }
                // float rounding may flip a pixel on a near-tie, nothing more
                assertThat(same).isGreaterThanOrEqualTo(a.data().length - a.data().length / 200);
            }
        }
    }

    @Test
    void aDecoderThatFollowsTheLiveHeadLearnsACorrectionAndKeepsTheHeadAsItsSkipPath() {
        List<SyntheticScenes.Scene> scenes = new SyntheticScenes(3, 33).scenes(0, 3, 57, 43);
        ClassicBackbone bb = new ClassicBackbone(4);
        List<TrainingImage> set = trainingSet(scenes, bb, DdepTest::everyThirdRow);
        List<DdepTrainer.Labelled> labelled = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            labelled.add(new DdepTrainer.Labelled("s" + i, scenes.get(i).image(), set.get(i).labels(), null));
        }
        LinearHead head = new WeakLabelHead(WeakLabelHead.Config.defaults().withSteps(3, 3)).train(set);
        int threads = TorchThreads.set(1);
        try (DdepTrainer t = new DdepTrainer(bb, DdepTrainer.Config.defaults().withCrops(48, 48))) {
            t.fitFeatureStats(scenes.stream().map(SyntheticScenes.Scene::image).toList());
            t.startFineTune(new int[] {0, 1, 2}, head);
            assertThat(t.followsHead()).isTrue();
            float[] skip0 = t.decoder().parameters().get("skip.weight").toFloatArray();
            double ce0 = crossEntropy(t, labelled, bb);
            for (int i = 0; i < 60; i++) {
                t.fineTuneStep(labelled);
            }
            double ce1 = crossEntropy(t, labelled, bb);
            assertThat(ce1).as("CE after 60 fine-tuning steps from the live head vs the head's own").isLessThan(0.9 * ce0);
            // the skip path is still the head: only the decoder's correction was trained
            assertThat(t.decoder().parameters().get("skip.weight").toFloatArray()).containsExactly(skip0);
            // a retrained head moves the skip path with it
            LinearHead better = new WeakLabelHead(WeakLabelHead.Config.defaults()).train(set);
            t.followHead(better);
            assertThat(t.decoder().parameters().get("skip.weight").toFloatArray()).isNotEqualTo(skip0);
        } finally {
            TorchThreads.set(threads);
        }
        try (DdepTrainer plain = new DdepTrainer(bb, DdepTrainer.Config.defaults().withCrops(48, 48))) {
            plain.fitFeatureStats(scenes.stream().map(SyntheticScenes.Scene::image).toList());
            plain.startFineTune(new int[] {0, 1, 2});
            assertThat(plain.followsHead()).isFalse();
            assertThatThrownBy(() -> plain.followHead(head)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static List<TrainingImage> trainingSet(List<SyntheticScenes.Scene> scenes, ClassicBackbone bb,
            java.util.function.Function<SyntheticScenes.Scene, LabelMap> labels) {
        List<TrainingImage> set = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            set.add(new TrainingImage("s" + i, 1, bb.features(scenes.get(i).image()), labels.apply(scenes.get(i)), 1.0));
        }
        return set;
    }

    /** Sparse labels, as scribbles are: every third row of the truth. */
    private static LabelMap everyThirdRow(SyntheticScenes.Scene s) {
        LabelMap sparse = LabelMap.unlabelled(s.truth().width(), s.truth().height());
        for (int y = 0; y < sparse.height(); y += 3) {
            for (int x = 0; x < sparse.width(); x++) {
                sparse.set(x, y, s.truth().get(x, y));
            }
        }
        return sparse;
    }

    /** Mean CE over every labelled pixel of every image, at full (quartered) resolution. */
    private static double crossEntropy(DdepTrainer t, List<DdepTrainer.Labelled> data, ClassicBackbone bb) {
        int[] cv = t.classValues();
        double sum = 0;
        long n = 0;
        for (DdepTrainer.Labelled d : data) {
            int w = d.image().width();
            int h = d.image().height();
            try (NDManager m = NDManager.newBaseManager()) {
                FeatureMap f = bb.features(d.image());
                NDArray x = m.create(Denoising.toSigned(d.image()), new Shape(1, 3, h, w));
                float[] logp = t.decoder().forward(x, m.create(f.data(), new Shape(1, f.channels(), f.height(), f.width())))
                        .logSoftmax(1).toFloatArray();
                for (int i = 0; i < w * h; i++) {
                    int v = d.labels().data()[i] & 0xff;
                    if (v == LabelMap.VOID) {
                        continue;
                    }
                    int j = java.util.Arrays.binarySearch(cv, v);
                    sum -= logp[j * w * h + i];
                    n++;
                }
            }
        }
        return sum / n;
    }

    private static RgbImage gradient(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            rgb[3 * i] = (byte) (i % 256);
            rgb[3 * i + 1] = (byte) ((i * 7) % 256);
            rgb[3 * i + 2] = (byte) (255 - i % 256);
        }
        return new RgbImage(w, h, rgb);
    }

    private static RgbImage quarter(RgbImage im) {
        int w = Math.max(1, im.width() / 4);
        int h = Math.max(1, im.height() / 4);
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[(y * w + x) * 3 + c] = im.rgb()[((4 * y) * im.width() + 4 * x) * 3 + c];
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static LabelMap quarter(LabelMap l) {
        int w = Math.max(1, l.width() / 4);
        int h = Math.max(1, l.height() / 4);
        byte[] out = new byte[w * h];
        // a pixel keeps a label when any of its 4x4 block has one (thin scribbles survive the subsampling)
        java.util.Arrays.fill(out, (byte) LabelMap.VOID);
        for (int y = 0; y < 4 * h; y++) {
            for (int x = 0; x < 4 * w; x++) {
                int v = l.get(x, y);
                if (v != LabelMap.VOID) {
                    out[(y / 4) * w + x / 4] = (byte) v;
                }
            }
        }
        return new LabelMap(w, h, out);
    }
}
