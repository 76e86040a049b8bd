package org.scribbleseg.engine.project;

import java.nio.file.Path;

/**
 * Child process of {@link CrashSafetyTest}: commits strokes forever and prints the id of each one after
 * {@code commitStroke} returned (i.e. after the user would have been told it is saved).
 */
public final class CrashChild {
    public static void main(String[] args) {
        try (ProjectStore s = ProjectStore.open(Path.of(args[0]))) {
            long imageId = s.images().get(0).id();
            long classId = s.classes().get(0).id();
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; ; i++) {
                float[] pts = new float[2 * (1 + i % 40)];
                for (int k = 0; k < pts.length; k++) {
                    pts[k] = (i * 7 + k * 3) % 500;
                }
                Stroke st = i % 5 == 4
                        ? s.commitStroke(imageId, null, StrokeKind.ERASE, 4, pts)
                        : s.commitStroke(imageId, classId, StrokeKind.SCRIBBLE, 3, pts);
                if (i % 17 == 16) {
                    s.undo(imageId); // tombstones are also actions that must survive intact
                    s.redo(imageId);
                }
                System.out.println(st.id());
                System.out.flush();
            }
        }
    }
}
