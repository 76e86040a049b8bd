package org.scribbleseg.engine.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "I lost days of labels": a child JVM commits strokes in a loop and is killed with SIGKILL at random moments,
 * 25 times. Every stroke whose commit returned must be there, and the database must pass integrity_check.
 */
class CrashSafetyTest {

    @TempDir
    Path tmp;

    @Test
    void everyCommittedStrokeSurvivesSigkill() throws Exception {
        Path dir = tmp.resolve("crash.sseg");
        try (ProjectStore s = ProjectStore.create(dir)) {
            s.addClass("thing", 0xff0000, 1, "", List.of());
            s.addImage(tmp.resolve("a.png"), "sha-a", 500, 500, Split.NONE);
        }
        Random rnd = new Random(1234);
        Set<Long> acknowledged = new HashSet<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int kills = 25;
        for (int round = 0; round < kills; round++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    CrashChild.class.getName(), dir.toString()).redirectErrorStream(false).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("child started").isEqualTo("ready");
            long killAfterMs = 20 + rnd.nextInt(400);
            AtomicBoolean reading = new AtomicBoolean(true);
            Set<Long> thisRound = new HashSet<>();
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        synchronized (thisRound) {
                            thisRound.add(Long.parseLong(line.trim()));
                        }
                    }
                } catch (Exception ignored) {
                    // the pipe breaks when the child dies
                } finally {
                    reading.set(false);
                }
            });
            reader.start();
            // kill at a random moment once commits are under way: on a loaded machine a child's first commit can
            // take longer than the whole random window, and a child killed before it commits tests nothing
            long until = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < until && reading.get()) {
                synchronized (thisRound) {
                    if (!thisRound.isEmpty()) {
                        break;
                    }
                }
                Thread.sleep(5);
            }
            Thread.sleep(killAfterMs);
            p.destroyForcibly(); // SIGKILL on Linux
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            synchronized (thisRound) {
                acknowledged.addAll(thisRound);
            }
        }
        assertThat(acknowledged).as("the children committed strokes before being killed").hasSizeGreaterThan(kills);
        try (ProjectStore s = ProjectStore.open(dir)) {
            assertThat(s.integrityCheck()).isEqualTo("ok");
            long imageId = s.images().get(0).id();
            Set<Long> present = new HashSet<>();
            for (Stroke st : s.strokes(imageId)) {
                present.add(st.id());
            }
            // every acknowledged stroke is there (undo/redo pairs in the child leave them active)
            assertThat(present).containsAll(acknowledged);
        }
    }
}
