package org.scribbleseg.app;

import java.util.List;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * App tests that run a heavy job in a real worker process: the worker gets one libtorch thread and a 512 MB heap,
 * and {@link #startScribbledPair} opens a project of two 160×120 two-tone images, each with one scribble per class
 * ("left" red, "right" green), so a run has labels to train on.
 */
abstract class WorkerAppTestBase extends AppTestBase {

    @BeforeAll
    static void oneWorkerThread() {
        System.setProperty("scribbleseg.worker.threads", "1");
        System.setProperty("scribbleseg.worker.xmx", "512m");
    }

    @AfterAll
    static void resetWorkerSettings() {
        System.clearProperty("scribbleseg.worker.threads");
        System.clearProperty("scribbleseg.worker.xmx");
    }

    void startScribbledPair(Stage stage, String name) throws Exception {
        startApp(stage, name, images -> {
            TestImages.twoTone(images, "a.png", 160, 120);
            TestImages.twoTone(images, "b.png", 160, 120);
        }, s -> {
            ClassDef left = s.addClass("left", 0xff0000, null, "", List.of());
            ClassDef right = s.addClass("right", 0x00ff00, null, "", List.of());
            for (ImageEntry e : s.images()) {
                s.commitStroke(e.id(), left.id(), StrokeKind.SCRIBBLE, 4, new float[] {10, 10, 40, 100});
                s.commitStroke(e.id(), right.id(), StrokeKind.SCRIBBLE, 4, new float[] {150, 10, 120, 100});
            }
        });
    }
}
