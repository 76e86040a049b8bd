package org.scribbleseg.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.predict.Prediction;
import org.scribbleseg.engine.predict.Predictor;
import org.scribbleseg.engine.project.AcceptRecord;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.Split;

/**
 * The switch rule on real accept records: a heavy model takes over only when its mIoU on the accepted masks beats
 * the live head's first looks at the same images. Two predictors of known quality: one that returns each accepted
 * mask exactly (mIoU 1), one that says background everywhere (mIoU 0.5 × background IoU); the live head's first
 * looks got a known share of each mask wrong.
 */
class PredictorChoiceTest {
    @TempDir
    Path tmp;

    private static final int W = 40;
    private static final int H = 20;

    /** Left half class 1, right half background. */
    private static LabelMap truth() {
        LabelMap m = LabelMap.unlabelled(W, H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                m.set(x, y, x < W / 2 ? 1 : 0);
            }
        }
        return m;
    }

    /** The truth with the class-1 half cut short by {@code wrongCols} columns (predicted background there). */
    private static LabelMap firstLook(int wrongCols) {
        LabelMap m = truth();
        for (int y = 0; y < H; y++) {
            for (int x = W / 2 - wrongCols; x < W / 2; x++) {
                m.set(x, y, 0);
            }
        }
        return m;
    }

    private static Predictor fixed(String id, Function<ImageEntry, LabelMap> f) {
        return new Predictor() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String description() {
                return id;
            }

            @Override
            public Prediction predict(ImageEntry image, boolean withMaps) {
                return new Prediction(f.apply(image), null, null, 0);
            }
        };
    }

    private List<PredictorChoice.Evidence> evidence(int images) {
        Path dir = tmp.resolve("choice-" + images + ".sseg");
        try (ProjectStore s = ProjectStore.create(dir);
                org.scribbleseg.engine.eval.AcceptTracker tracker = new org.scribbleseg.engine.eval.AcceptTracker(s, r -> { })) {
            s.addClass("background", 0, 0, "", List.of());
            s.addClass("thing", 0xff0000, 1, "", List.of());
            for (int i = 0; i < images; i++) {
                ImageEntry e = s.addImage(tmp.resolve("i" + i + ".png"), "sha" + images + "-" + i, W, H, Split.NONE);
                assertThat(s.saveFirstLook(e.id(), firstLook(4), 1)).isTrue();
                s.setMask(e.id(), truth(), MaskRecord.ACCEPTED);
            }
            List<PredictorChoice.Evidence> out = new ArrayList<>();
            tracker.flush();
            for (AcceptRecord a : s.acceptHistory()) {
                out.add(new PredictorChoice.Evidence(s.image(a.imageId()).orElseThrow(), s.mask(a.imageId()).orElseThrow().labels(), a.meanIoU(),
                        s.predictions().withHeadRevision(a.imageId(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels()));
            }
            return out;
        }
    }

    @Test
    void aBetterHeavyModelTakesOverAndAWorseOneDoesNot() {
        List<PredictorChoice.Evidence> ev = evidence(4);
        // the first looks: class 1 IoU 16/20 = 0.8, background IoU 20/24: mean 0.8167
        double live = (16.0 / 20 + 20.0 / 24) / 2;
        assertThat(ev).hasSize(4).allSatisfy(e -> assertThat(e.liveFirstLookMiou()).isCloseTo(live, org.assertj.core.data.Offset.offset(1e-9)));

        PredictorChoice.Verdict good = PredictorChoice.judge(fixed("exact", e -> truth()), ev);
        assertThat(good.heavyWins()).isTrue();
        assertThat(good.heavyMiou()).isEqualTo(1.0);
        assertThat(good.liveMiou()).isCloseTo(live, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(good.reason()).startsWith("exact is showing: mIoU 1.000 on 4 accepted masks vs 0.817");
        // boundary F at the default tolerance (1 px for 40x20): the exact masks' edges all match, the first looks'
        // edge is 4 columns off and none of it matches, though their mIoU is 0.82
        assertThat(good.heavyBoundaryF()).isEqualTo(1.0);
        assertThat(good.liveBoundaryF()).isEqualTo(0.0);

        PredictorChoice.Verdict poor = PredictorChoice.judge(fixed("all-background", e -> {
            LabelMap m = LabelMap.unlabelled(W, H);
            java.util.Arrays.fill(m.data(), (byte) 0);
            return m;
        }), ev);
        assertThat(poor.heavyWins()).isFalse();
        assertThat(poor.heavyMiou()).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-9)); // background IoU 0.5, class 1 IoU 0
        assertThat(poor.reason()).startsWith("the live head is showing (all-background scored lower)");
        assertThat(poor.heavyBoundaryF()).isEqualTo(0.0); // no edge at all: recall 0

        // a model exactly as good as the first looks does not take over (it must beat them)
        PredictorChoice.Verdict tie = PredictorChoice.judge(fixed("same", e -> firstLook(4)), ev);
        assertThat(tie.heavyWins()).isFalse();
        assertThat(tie.heavyBoundaryF()).isEqualTo(tie.liveBoundaryF());

        // first looks no longer at hand: the live head's boundary F is not measured, its mIoU still is
        List<PredictorChoice.Evidence> noLooks = ev.stream()
                .map(e -> new PredictorChoice.Evidence(e.image(), e.accepted(), e.liveFirstLookMiou(), null)).toList();
        PredictorChoice.Verdict blind = PredictorChoice.judge(fixed("exact", e -> truth()), noLooks);
        assertThat(blind.liveBoundaryF()).isNaN();
        assertThat(blind.heavyWins()).isTrue();
    }

    @Test
    void tooFewAcceptedMasksKeepTheLiveHead() {
        List<PredictorChoice.Evidence> ev = evidence(2);
        PredictorChoice.Verdict v = PredictorChoice.judge(fixed("exact", e -> truth()), ev);
        assertThat(v.heavyWins()).isFalse();
        assertThat(v.images()).isEqualTo(2);
        assertThat(v.reason()).contains("2 so far, 3 needed");
    }
}
