package org.scribbleseg.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.predict.HeadPredictor;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.train.LinearHead;
import org.scribbleseg.engine.train.TrainingImage;
import org.scribbleseg.engine.train.WeakLabelHead;

class ClassicBackboneTest {

    /** Left half flat grey 128, right half vertical stripes of period 4 with the same mean. */
    static RgbImage halfTextured(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = x < w / 2 ? 128 : ((x / 2) % 2 == 0 ? 78 : 178);
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void channelCountKeyAndGrid() {
        ClassicBackbone b = new ClassicBackbone(4);
        assertThat(b.channels()).isEqualTo(54);
        assertThat(b.key()).isEqualTo("classic-v1@s4");
        FeatureMap f = b.features(halfTextured(130, 66));
        assertThat(f.channels()).isEqualTo(54);
        assertThat(f.width()).isEqualTo(33);
        assertThat(f.height()).isEqualTo(17);
        for (float v : f.data()) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    @Test
    void texturedAndFlatRegionsSeparate() {
        int w = 96;
        int h = 64;
        ClassicBackbone b = new ClassicBackbone(1);
        FeatureMap f = b.features(halfTextured(w, h));
        // gradient magnitude at σ = 1.0 (scale 1, channel 4): strong on stripes, zero on the flat half
        int plane = w * h;
        int ch = 1 * ClassicBackbone.PER_SCALE + 4;
        float maxFlat = 0;
        float minTex = Float.MAX_VALUE;
        for (int y = 8; y < h - 8; y++) {
            for (int x = 8; x < w / 2 - 12; x++) {
                maxFlat = Math.max(maxFlat, f.data()[ch * plane + y * w + x]);
            }
            for (int x = w / 2 + 12; x < w - 8; x++) {
                minTex = Math.max(0, Math.min(minTex, f.data()[ch * plane + y * w + x]));
            }
        }
        assertThat(maxFlat).isLessThan(1e-4f);
        // the mean colour is the same on both halves, yet a head on a few labelled pixels separates them
        LabelMap labels = LabelMap.unlabelled(w, h);
        for (int y = 4; y < h - 4; y += 6) {
            for (int x = 4; x < w / 2 - 12; x += 6) {
                labels.set(x, y, 0);
                labels.set(w - 1 - x, y, 1);
            }
        }
        LinearHead head = new WeakLabelHead(WeakLabelHead.Config.defaults())
                .train(List.of(new TrainingImage("t", 1, f, labels, 1)));
        Prediction p = new HeadPredictor(false).predict(head, f, w, h, null);
        int ok = 0;
        int n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (Math.abs(x - w / 2) > 12) {
                    ok += p.labels().get(x, y) == (x < w / 2 ? 0 : 1) ? 1 : 0;
                    n++;
                }
            }
        }
        assertThat(ok / (double) n).isGreaterThan(0.97);
    }

    @Test
    void stridedFeaturesOnLargeImageAreFastEnough() {
        RgbImage big = halfTextured(1024, 768);
        ClassicBackbone b = new ClassicBackbone(4);
        b.features(big); // warm-up
        long t0 = System.nanoTime();
        FeatureMap f = b.features(big);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(f.width()).isEqualTo(256);
        assertThat(ms).isLessThan(5000);
    }
}
