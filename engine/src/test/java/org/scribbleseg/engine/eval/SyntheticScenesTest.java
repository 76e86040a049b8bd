package org.scribbleseg.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.LabelMap;

class SyntheticScenesTest {

    @Test
    void deterministicForSeedAndDifferentAcrossSeeds() {
        SyntheticScenes.Scene a = new SyntheticScenes(4, 11).scene(3, 80, 60);
        SyntheticScenes.Scene b = new SyntheticScenes(4, 11).scene(3, 80, 60);
        SyntheticScenes.Scene c = new SyntheticScenes(4, 12).scene(3, 80, 60);
        assertThat(b.image().rgb()).isEqualTo(a.image().rgb());
        assertThat(b.truth()).isEqualTo(a.truth());
        assertThat(c.image().rgb()).isNotEqualTo(a.image().rgb());
        assertThat(a.truth().labelledCount()).isEqualTo(80L * 60); // exact labels, no void
        for (byte v : a.truth().data()) {
            assertThat(v & 0xff).isBetween(0, 3);
        }
    }

    @Test
    void classesAreTexturedNotFlat() {
        SyntheticScenes gen = new SyntheticScenes(4, 1);
        SyntheticScenes.Scene s = gen.scene(0, 128, 128);
        // every class region that is present has non-trivial intensity variance
        double[] sum = new double[4];
        double[] sq = new double[4];
        long[] n = new long[4];
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                int t = s.truth().get(x, y);
                double v = s.image().get(x, y, 1);
                sum[t] += v;
                sq[t] += v * v;
                n[t]++;
            }
        }
        for (int t = 0; t < 4; t++) {
            if (n[t] > 200) {
                double var = sq[t] / n[t] - Math.pow(sum[t] / n[t], 2);
                assertThat(var).isGreaterThan(25);
            }
        }
    }

    @Test
    void simulatedStrokesStayInsideTheirObjects() {
        SyntheticScenes.Scene s = new SyntheticScenes(4, 2).scene(1, 160, 120);
        SimulatedAnnotator ann = new SimulatedAnnotator(7, 30);
        for (List<SimulatedAnnotator.SimStroke> strokes : List.of(ann.scribbles(s.truth()), ann.points(s.truth()))) {
            assertThat(strokes).isNotEmpty();
            LabelMap painted = LabelMap.unlabelled(160, 120);
            SimulatedAnnotator.rasterise(strokes, painted);
            long wrong = 0;
            for (int i = 0; i < painted.data().length; i++) {
                int v = painted.data()[i] & 0xff;
                if (v != LabelMap.VOID && v != (s.truth().data()[i] & 0xff)) {
                    wrong++;
                }
            }
            assertThat(wrong).isLessThanOrEqualTo(painted.labelledCount() / 50); // chamfer rounding only
            assertThat(painted.labelledCount()).isPositive();
            for (SimulatedAnnotator.SimStroke st : strokes) {
                assertThat(st.radius()).isBetween(1f, 8f);
            }
        }
        assertThat(SimulatedAnnotator.tags(s.truth())).contains(0);
        // a correction lands on the largest error: predict "all background"
        LabelMap allBg = new LabelMap(160, 120, new byte[160 * 120]);
        SimulatedAnnotator.SimStroke fix = ann.correction(s.truth(), allBg, null, SimulatedAnnotator.Kind.SCRIBBLE);
        assertThat(fix).isNotNull();
        assertThat(fix.classValue()).isNotEqualTo(0);
    }
}
