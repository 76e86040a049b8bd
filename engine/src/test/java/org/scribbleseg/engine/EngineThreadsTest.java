package org.scribbleseg.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.eval.SimulatedAnnotator;
import org.scribbleseg.engine.eval.SyntheticScenes;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.VocExporter;
import org.scribbleseg.engine.image.ImageWriter;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.StrokeKind;
import org.scribbleseg.engine.util.TaskMonitor;

/**
 * An engine's threads end with it: after a session that trained the live head, prefetched features, recorded an
 * accept and exported, closing the engine leaves none of the threads it started alive (a project closed in the app
 * must not keep a thread pool per project it ever opened).
 */
class EngineThreadsTest {

    @TempDir
    Path tmp;

    static Set<Thread> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("sseg-") || t.getName().startsWith("scribbleseg-"))
                .collect(Collectors.toSet());
    }

    @Test
    void closingTheEngineStopsEveryThreadItStarted() throws Exception {
        Set<Thread> before = ourThreads();
        SyntheticScenes gen = new SyntheticScenes(2, 5);
        List<Path> files = new ArrayList<>();
        SyntheticScenes.Scene first = gen.scene(0, 96, 64);
        for (int i = 0; i < 3; i++) {
            files.add(tmp.resolve("img" + i + ".png"));
            ImageWriter.writePng(i == 0 ? first.image() : gen.scene(i, 96, 64).image(), files.get(i));
        }
        Engine engine = Engine.create(tmp.resolve("p.sseg"));
        Set<String> during;
        try {
            List<ClassDef> classes = List.of(engine.store().addClass("bg", 0x000000, 0, "", List.of()),
                    engine.store().addClass("fg", 0x800000, 1, "", List.of()));
            engine.importImages(files, TaskMonitor.NONE);
            BlockingQueue<EngineEvent> events = new LinkedBlockingQueue<>();
            engine.addListener(events::add);
            ImageEntry img = engine.store().images().get(0);
            engine.setCurrentImage(img.id());
            for (SimulatedAnnotator.SimStroke st : new SimulatedAnnotator(7, 10).scribbles(first.truth())) {
                engine.store().commitStroke(img.id(), classes.get(st.classValue()).id(),
                        st.isPoint() ? StrokeKind.POINT : StrokeKind.SCRIBBLE, st.radius(), st.points());
            }
            EngineEvent e;
            do {
                e = events.poll(120, TimeUnit.SECONDS);
                assertThat(e).as("a prediction of the current image").isNotNull();
            } while (!(e instanceof EngineEvent.PredictionsUpdated));
            engine.store().setMask(img.id(), ((EngineEvent.PredictionsUpdated) e).labels(), "accepted");
            engine.exportVoc(VocExporter.Options.of(tmp.resolve("voc"), ExportMode.DONE).withThreads(2), TaskMonitor.NONE);
            during = names(ourThreads(), before);
            assertThat(during).as("the engine runs its work on its own named threads")
                    .anyMatch(n -> n.startsWith("sseg-interactive")).anyMatch(n -> n.startsWith("sseg-features"));
        } finally {
            engine.close();
        }
        assertThat(engine.threads().isClosed()).isTrue();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Set<String> left = names(ourThreads(), before);
        while (!left.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
            left = names(ourThreads(), before);
        }
        assertThat(left).as("threads of the closed engine still alive (it ran " + during + ")").isEmpty();
    }

    private static Set<String> names(Set<Thread> now, Set<Thread> before) {
        return now.stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
    }
}
