package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.AcceptRecord;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * The loop a user lives in, end to end on the real engine: strokes committed to the store retrain the head and the
 * current image's predicted mask arrives as an event; tags marked absent suppress a class.
 */
class LiveLoopTest {

    @TempDir
    Path tmp;

    private record Fixture(Engine engine, List<ImageEntry> images, List<LabelMap> truth, List<ClassDef> classes) {
    }

    private Fixture project(int n) throws Exception {
        SyntheticScenes gen = new SyntheticScenes(3, 42);
        List<LabelMap> truth = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SyntheticScenes.Scene sc = gen.scene(i, 160, 120);
            Path f = tmp.resolve("img" + i + ".png");
            ImageWriter.writePng(sc.image(), f);
            files.add(f);
            truth.add(sc.truth());
        }
        Engine engine = Engine.create(tmp.resolve("p.sseg"));
        List<ClassDef> classes = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            classes.add(engine.store().addClass("c" + c, 0x111111 * (c + 1), c, "", List.of()));
        }
        engine.importImages(files, org.scribbleseg.engine.util.TaskMonitor.NONE);
        return new Fixture(engine, engine.store().images(), truth, classes);
    }

    private static void scribbleFromTruth(ProjectStore s, ImageEntry img, LabelMap truth, List<ClassDef> classes) {
        for (SimulatedAnnotator.SimStroke st : new SimulatedAnnotator(7, 30).scribbles(truth)) {
            s.commitStroke(img.id(), classes.get(st.classValue()).id(), st.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE,
                    st.radius(), st.points());
        }
    }

    private static double accuracy(LabelMap predicted, LabelMap truth) {
        long ok = 0;
        for (int i = 0; i < truth.data().length; i++) {
            ok += predicted.data()[i] == truth.data()[i] ? 1 : 0;
        }
        return (double) ok / truth.data().length;
    }

    @Test
    void strokesRetrainTheHeadAndTheCurrentImageIsPredicted() throws Exception {
        Fixture fx = project(3);
        try (Engine engine = fx.engine()) {
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            List<EngineEvent> all = new CopyOnWriteArrayList<>();
            engine.addListener(events::add);
            engine.addListener(all::add);
            ImageEntry current = fx.images().get(1);
            engine.setPerPixelMaps(true); // as while the uncertainty view is shown
            engine.setCurrentImage(current.id());
            scribbleFromTruth(engine.store(), fx.images().get(0), fx.truth().get(0), fx.classes());
            scribbleFromTruth(engine.store(), current, fx.truth().get(1), fx.classes());

            EngineEvent.PredictionsUpdated p = awaitPrediction(events, current.id(), engine.store().revision());
            assertThat(p.labels().width()).isEqualTo(current.width());
            // trained on scribbles of two images, the whole current image is mostly right
            assertThat(accuracy(p.labels(), fx.truth().get(1))).isGreaterThan(0.8);
            // the mask arrives first (after the first head iterations), then the refined head's mask, then (maps
            // asked for) that same mask with its confidence and uncertainty maps
            EngineEvent.PredictionsUpdated refined = p;
            EngineEvent.PredictionsUpdated withMaps = p;
            while (withMaps.confidence() == null) {
                withMaps = awaitPrediction(events, current.id(), p.revision());
                if (withMaps.confidence() == null && withMaps.revision() == p.revision()) {
                    refined = withMaps;
                }
            }
            assertThat(withMaps.revision()).isEqualTo(p.revision());
            assertThat(withMaps.labels()).isEqualTo(refined.labels());
            assertThat(withMaps.confidence()).hasSize(current.width() * current.height());
            assertThat(withMaps.uncertainty()).hasSize(current.width() * current.height());
            assertThat(engine.latestPrediction(current.id()).orElseThrow().confidence()).isNotNull();
            // a neighbour without any label gets a prediction too, after the current image
            long neighbourId = fx.images().get(2).id();
            long rev = engine.store().revision();
            EngineEvent.PredictionsUpdated neighbour = awaitIn(all, neighbourId, rev);
            assertThat(accuracy(neighbour.labels(), fx.truth().get(2))).isGreaterThan(0.6);
            assertThat(engine.suggestNext(5)).isNotEmpty();
            // the head reports how well it fits the user's own labels
            EngineEvent.HeadTrained trained = all.stream().filter(e -> e instanceof EngineEvent.HeadTrained)
                    .map(e -> (EngineEvent.HeadTrained) e).reduce((a, b) -> b).orElseThrow();
            assertThat(trained.trainAccuracy()).isGreaterThan(0.9);
            assertThat(trained.classes()).isEqualTo(3);
        }
    }

    @Test
    void aClassTaggedAbsentDisappearsFromThatImagesPrediction() throws Exception {
        Fixture fx = project(2);
        try (Engine engine = fx.engine()) {
            List<EngineEvent> all = new CopyOnWriteArrayList<>();
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            engine.addListener(all::add);
            ImageEntry current = fx.images().get(1);
            engine.setCurrentImage(current.id());
            scribbleFromTruth(engine.store(), fx.images().get(0), fx.truth().get(0), fx.classes());
            EngineEvent.PredictionsUpdated before = awaitPrediction(events, current.id(), engine.store().revision());
            int c1 = count(before.labels(), 1);
            assertThat(c1).as("class 1 is predicted somewhere before the tag").isPositive();

            engine.store().setTag(current.id(), fx.classes().get(1).id(), false);
            EngineEvent.PredictionsUpdated after = awaitPrediction(events, current.id(), engine.store().revision());
            assertThat(count(after.labels(), 1)).isZero();
            // and every training job either completed or was cancelled by a newer revision; none failed
            assertThat(all).filteredOn(e -> e instanceof EngineEvent.JobFinished f && f.outcome() == EngineEvent.Outcome.FAILED).isEmpty();
        }
    }

    @Test
    void aProjectReopenedWithLabelsIsPredictedWithoutAnotherStroke() throws Exception {
        Fixture fx = project(2);
        Path dir = fx.engine().store().root();
        scribbleFromTruth(fx.engine().store(), fx.images().get(0), fx.truth().get(0), fx.classes());
        fx.engine().close();
        try (Engine engine = Engine.open(dir)) {
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            engine.setCurrentImage(fx.images().get(1).id());
            EngineEvent.PredictionsUpdated p = awaitPrediction(events, fx.images().get(1).id(), engine.store().revision());
            assertThat(accuracy(p.labels(), fx.truth().get(1))).isGreaterThan(0.6);
        }
    }

    @Test
    void zeroShotPreLabelsTrainTheHeadBeforeAnyStroke() throws Exception {
        Fixture fx = project(2);
        try (Engine engine = fx.engine()) {
            // what `scribbleseg zeroshot` stores: a pre-label of image 0 (here: its ground truth, voided on a band)
            LabelMap pre = fx.truth().get(0).copy();
            for (int x = 0; x < pre.width(); x++) {
                pre.set(x, 0, LabelMap.VOID);
            }
            engine.store().savePrediction(fx.images().get(0).id(), org.scribbleseg.engine.train.ZeroShotLabeler.RUN_ID, pre, null, 0);
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            // the pre-labelled image has no stroke: its whole mask comes from the head trained on the pre-label
            engine.setCurrentImage(fx.images().get(0).id());
            engine.retrain();
            EngineEvent.PredictionsUpdated p = awaitPrediction(events, fx.images().get(0).id(), 0);
            assertThat(accuracy(p.labels(), fx.truth().get(0))).isGreaterThan(0.8);
            assertThat(engine.store().strokes(fx.images().get(0).id())).isEmpty();
        }
    }

    @Test
    void acceptingAMaskRecordsHowGoodTheHeadsFirstLookWasAndTheEffort() throws Exception {
        Fixture fx = project(3);
        Path dir = fx.engine().store().root();
        ImageEntry target = fx.images().get(1);
        AcceptRecord recorded;
        try (Engine engine = fx.engine()) {
            ProjectStore s = engine.store();
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            List<EngineEvent> all = new CopyOnWriteArrayList<>();
            engine.addListener(events::add);
            engine.addListener(all::add);
            scribbleFromTruth(s, fx.images().get(0), fx.truth().get(0), fx.classes());
            // the user opens an image nobody labelled: the head's prediction of it is its first look
            engine.setCurrentImage(target.id());
            EngineEvent.PredictionsUpdated first = awaitPrediction(events, target.id(), s.revision());
            engine.acceptTracker().flush(); // first looks are written off the event path

            LabelMap firstLook = s.prediction(target.id(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels();
            assertThat(firstLook).isEqualTo(first.labels());

            // then corrects it: strokes with their drawing time (one undone: its time was spent all the same)
            int drawn = 0;
            for (SimulatedAnnotator.SimStroke st : new SimulatedAnnotator(7, 30).scribbles(fx.truth().get(1))) {
                s.commitStroke(target.id(), fx.classes().get(st.classValue()).id(), st.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE,
                        st.radius(), st.points(), 1500);
                drawn++;
            }
            s.commitStroke(target.id(), fx.classes().get(0).id(), StrokeKind.POINT, 3, new float[] {5, 5}, 700);
            s.undo(target.id());
            EngineEvent.PredictionsUpdated corrected = awaitPrediction(events, target.id(), s.revision());
            // later predictions of the now labelled image never replace its first look
            engine.acceptTracker().flush(); // first looks are written off the event path

            assertThat(s.prediction(target.id(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels()).isEqualTo(firstLook);

            // accepted: the final mask, here the exact truth
            s.setMask(target.id(), fx.truth().get(1), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            LabelMap accepted = s.mask(target.id()).orElseThrow().labels();
            Metrics direct = new Metrics(3).add(accepted, firstLook);
            List<AcceptRecord> history = engine.acceptHistory();
            assertThat(history).hasSize(1);
            recorded = history.get(0);
            assertThat(recorded.imageId()).isEqualTo(target.id());
            assertThat(recorded.accuracy()).isCloseTo(direct.pixelAccuracy(), within(1e-9));
            assertThat(recorded.meanIoU()).isCloseTo(direct.meanIoU(), within(1e-9));
            assertThat(recorded.accuracy()).as("a head trained on one image is not perfect on another").isBetween(0.5, 0.999);
            assertThat(recorded.strokes()).isEqualTo(drawn);
            assertThat(recorded.seconds()).isCloseTo(drawn * 1.5 + 0.7, within(1e-9));
            assertThat(recorded.headRevision()).isEqualTo(first.revision());
            assertThat(corrected.revision()).isGreaterThan(recorded.headRevision());
            assertThat(all).contains(new EngineEvent.MaskAccepted(recorded));

            // re-accepting the image replaces its record (one point per image), measured against the new mask
            LabelMap allBackground = new LabelMap(target.width(), target.height(), new byte[target.width() * target.height()]);
            s.setMask(target.id(), allBackground, org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            AcceptRecord again = engine.acceptHistory().get(0);
            assertThat(engine.acceptHistory()).hasSize(1);
            assertThat(again.id()).isEqualTo(recorded.id());
            assertThat(again.accuracy()).isCloseTo(new Metrics(3).add(allBackground, firstLook).pixelAccuracy(), within(1e-9));
            s.setMask(target.id(), fx.truth().get(1), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            recorded = engine.acceptHistory().get(0);
            // with every accept undone the image is no accepted image; redone, it is again
            for (int i = 0; i < 3; i++) {
                assertThat(engine.acceptHistory()).hasSize(1);
                s.undo(target.id());
            }
            assertThat(s.mask(target.id())).isEmpty();
            assertThat(engine.acceptHistory()).isEmpty();
            s.redo(target.id());
            assertThat(engine.acceptHistory()).containsExactly(recorded);
        }
        // the history is part of the project
        try (Engine engine = Engine.open(dir)) {
            assertThat(engine.acceptHistory()).containsExactly(recorded);
        }
    }

    @Test
    void anImageLabelledBeforeTheHeadSawItHasNoAccuracyBeforeCorrection() throws Exception {
        Fixture fx = project(2);
        try (Engine engine = fx.engine()) {
            ProjectStore s = engine.store();
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            ImageEntry labelled = fx.images().get(0);
            ImageEntry untouched = fx.images().get(1);
            engine.setCurrentImage(labelled.id());
            scribbleFromTruth(s, labelled, fx.truth().get(0), fx.classes());
            awaitPrediction(events, labelled.id(), s.revision());
            awaitPrediction(events, untouched.id(), s.revision()); // the neighbour, predicted but not shown
            engine.acceptTracker().flush(); // first looks are written off the event path

            assertThat(s.prediction(labelled.id(), ProjectStore.FIRST_LOOK_RUN)).isEmpty();
            engine.acceptTracker().flush(); // first looks are written off the event path

            assertThat(s.prediction(untouched.id(), ProjectStore.FIRST_LOOK_RUN)).as("not looked at yet").isEmpty();
            // the user goes to the untouched image: what the head shows there is its first look
            engine.setCurrentImage(untouched.id());
            EngineEvent.PredictionsUpdated early = awaitPrediction(events, untouched.id(), s.revision());
            engine.acceptTracker().flush(); // first looks are written off the event path

            assertThat(s.prediction(untouched.id(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels()).isEqualTo(early.labels());
            // a better head looks again at the still untouched image: its first look is the newer one
            s.commitStroke(labelled.id(), fx.classes().get(0).id(), StrokeKind.POINT, 3, new float[] {2, 2});
            EngineEvent.PredictionsUpdated later = awaitPrediction(events, untouched.id(), s.revision());
            assertThat(later.revision()).isGreaterThan(early.revision());
            engine.acceptTracker().flush(); // first looks are written off the event path

            assertThat(s.prediction(untouched.id(), ProjectStore.FIRST_LOOK_RUN).orElseThrow().labels()).isEqualTo(later.labels());

            // accepting the image that was labelled from the start records nothing: no fake 100 %
            s.setMask(labelled.id(), fx.truth().get(0), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            // a partial mask (region tools) is no accept either
            s.setMask(untouched.id(), fx.truth().get(1), "partial");
            assertThat(engine.acceptHistory()).isEmpty();
            s.setMask(untouched.id(), fx.truth().get(1), org.scribbleseg.engine.project.MaskRecord.ACCEPTED);
            assertThat(engine.acceptHistory()).extracting(AcceptRecord::imageId).containsExactly(untouched.id());
            assertThat(engine.acceptHistory().get(0).headRevision()).isEqualTo(later.revision());
        }
    }

    private static int count(LabelMap m, int v) {
        int n = 0;
        for (byte b : m.data()) {
            n += (b & 0xff) == v ? 1 : 0;
        }
        return n;
    }

    /** Waits (bounded) until {@code all}, which a listener appends to, holds a prediction of the image for the revision. */
    private static EngineEvent.PredictionsUpdated awaitIn(List<EngineEvent> all, long imageId, long revision)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (EngineEvent e : all) {
                if (e instanceof EngineEvent.PredictionsUpdated u && u.imageId() == imageId && u.revision() >= revision) {
                    return u;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no prediction of image " + imageId + " for revision " + revision);
    }

    private static EngineEvent.PredictionsUpdated awaitPrediction(BlockingQueue<EngineEvent> events, long imageId, long revision)
            throws InterruptedException {
        return org.scribbleseg.engine.bench.LiveLatencyBenchmark.await(events, imageId, revision);
    }
}
