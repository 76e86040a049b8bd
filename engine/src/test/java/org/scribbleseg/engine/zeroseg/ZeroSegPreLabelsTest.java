package org.scribbleseg.engine.zeroseg;

import org.scribbleseg.engine.project.PreLabelSource;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.bench.LiveLatencyBenchmark;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * ZeroSeg pre-labels: a (briefly) trained student labels every image through its segment tokens, the labels are
 * stored as run "zeroshot-zeroseg", and the live head trains on them alone (no stroke, mask or tag in the project).
 */
@org.junit.jupiter.api.extension.ExtendWith(OneTorchThread.class)
class ZeroSegPreLabelsTest {
    @TempDir
    Path tmp;

    static Checkpoint trainTiny(Path project, Path runDir, int steps) throws Exception {
        try (ZeroSegJob job = new ZeroSegJob()) {
            job.init(new HeavyContext(ZeroSegJobTest.config(steps), project, runDir, Device.cpu()));
            for (int i = 0; i < steps; i++) {
                job.step(i);
            }
            Checkpoint.Writer w = new Checkpoint.Writer();
            job.save(w);
            return Checkpoint.read(w.write(runDir, steps));
        }
    }

    @Test
    void segmentTokensLabelEveryImageAndBackgroundFollowsTheThreshold() throws Exception {
        Path project = ZeroSegTestProjects.unlabelled(tmp, 2);
        Checkpoint ck = trainTiny(project, tmp.resolve("run"), 2);
        try (ProjectStore store = ProjectStore.open(project);
                ZeroSegLabeler all = new ZeroSegLabeler(ck, ZeroSegTestProjects.clipTiny(), 0f);
                ZeroSegLabeler strict = new ZeroSegLabeler(ck, ZeroSegTestProjects.clipTiny(), 1f)) {
            all.setClasses(store.classes());
            strict.setClasses(store.classes());
            PreLabels.Summary s = PreLabels.writeAll(store, ZeroSegLabeler.RUN_ID, all::label, tmp.resolve("png"), null);
            assertThat(s.images()).isEqualTo(2);
            for (ImageEntry e : store.images()) {
                LabelMap lm = store.prediction(e.id(), ZeroSegLabeler.RUN_ID).orElseThrow().labels();
                assertThat(lm.width()).isEqualTo(e.width());
                assertThat(lm.labelledCount()).isEqualTo((long) e.width() * e.height());
                // threshold 0: every segment keeps its best foreground class (cat = 1 or dog = 2), never background
                for (byte b : lm.data()) {
                    assertThat(b & 0xff).isIn(1, 2);
                }
                assertThat(org.scribbleseg.engine.export.PalettePng.read(tmp.resolve("png").resolve(e.stem() + ".png"))).isEqualTo(lm);
            }
            // threshold 1: only segments as sure as the image's best one stay foreground; the rest is background (0)
            ImageEntry e0 = store.images().get(0);
            LabelMap lax = all.label(org.scribbleseg.engine.image.ImageLoader.load(store.resolve(e0))).labels();
            LabelMap sure = strict.label(org.scribbleseg.engine.image.ImageLoader.load(store.resolve(e0))).labels();
            for (int i = 0; i < sure.data().length; i++) {
                int v = sure.data()[i] & 0xff;
                assertThat(v == 0 || v == (lax.data()[i] & 0xff)).isTrue();
            }
        }
    }

    @Test
    void zeroSegPreLabelsAloneTrainTheLiveHead() throws Exception {
        Path project = ZeroSegTestProjects.unlabelled(tmp, 2);
        Checkpoint ck = trainTiny(project, tmp.resolve("run"), 2);
        LabelMap pre;
        long first;
        try (ProjectStore store = ProjectStore.open(project); ZeroSegLabeler z = new ZeroSegLabeler(ck, ZeroSegTestProjects.clipTiny(), 0f)) {
            z.setClasses(store.classes());
            PreLabels.writeAll(store, ZeroSegLabeler.RUN_ID, z::label, null, null);
            store.setSetting(PreLabelSource.SETTING, "zeroseg");
            first = store.images().get(0).id();
            pre = store.prediction(first, ZeroSegLabeler.RUN_ID).orElseThrow().labels();
            assertThat(store.allStrokes()).isEmpty();
            assertThat(store.imagesWithMask()).isEmpty();
        }
        try (Engine engine = Engine.open(project)) {
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            engine.setCurrentImage(first);
            org.scribbleseg.engine.job.JobHandle firstTraining = engine.retrain();
            EngineEvent.PredictionsUpdated p = LiveLatencyBenchmark.await(events, first, 0);
            firstTraining.outcome().get(120, java.util.concurrent.TimeUnit.SECONDS);
            // the head learnt from the ZeroSeg pre-labels: it predicts only their classes, and mostly their labels
            long agree = 0;
            for (int i = 0; i < pre.data().length; i++) {
                agree += p.labels().data()[i] == pre.data()[i] ? 1 : 0;
                assertThat(p.labels().data()[i] & 0xff).isIn(1, 2);
            }
            assertThat((double) agree / pre.data().length).as("agreement of the head with the ZeroSeg pre-labels").isGreaterThan(0.6);

            // pre-labels rewritten while the project is open (classes 1 and 2 swapped on every image): the head follows
            byte[] swapped = swap(pre.data());
            for (ImageEntry e : engine.store().images()) {
                LabelMap old = engine.store().prediction(e.id(), ZeroSegLabeler.RUN_ID).orElseThrow().labels();
                engine.store().savePrediction(e.id(), ZeroSegLabeler.RUN_ID, new LabelMap(old.width(), old.height(), swap(old.data())), null, 0);
            }
            assertThat(engine.preLabelsChanged().outcome().get(120, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(EngineEvent.Outcome.COMPLETED);
            EngineEvent.PredictionsUpdated q = engine.latestPrediction(first).orElseThrow();
            long follows = 0;
            for (int i = 0; i < swapped.length; i++) {
                follows += q.labels().data()[i] == swapped[i] ? 1 : 0;
            }
            assertThat((double) follows / swapped.length).as("agreement with the rewritten pre-labels").isGreaterThan(0.6);
        }
        assertThat(List.of(PreLabelSource.parse("zeroseg").runIds())).containsExactly(List.of(ZeroSegLabeler.RUN_ID));
    }

    private static byte[] swap(byte[] labels) {
        byte[] out = labels.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (out[i] == 1 ? 2 : out[i] == 2 ? 1 : out[i]);
        }
        return out;
    }

    @Test
    void bothMergesWhereTheyAgreeOrOneIsVoid() {
        int v = LabelMap.VOID;
        LabelMap a = new LabelMap(4, 1, new byte[] {1, 1, (byte) v, 2});
        LabelMap b = new LabelMap(4, 1, new byte[] {1, (byte) v, 2, 1});
        assertThat(PreLabelSource.merge(a, b).data()).containsExactly(1, 1, 2, (byte) v);
        assertThat(PreLabelSource.BOTH.runIds()).containsExactly("zeroshot-clip", "zeroshot-zeroseg");
    }
}
