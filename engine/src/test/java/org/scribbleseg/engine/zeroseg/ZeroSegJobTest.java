package org.scribbleseg.engine.zeroseg;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.heavy.Checkpoint;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.heavy.HeavyJobs;

/** The ZeroSeg job in process: a short CPU run on the tiny config lowers the total loss; save/restore round trip. */
@org.junit.jupiter.api.extension.ExtendWith(OneTorchThread.class)
class ZeroSegJobTest {
    @TempDir
    Path tmp;

    static ObjectNode config(int steps) throws Exception {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("teacher", ZeroSegTestProjects.clipTiny().toString());
        c.put("preset", "tiny");
        c.put("steps", steps);
        c.put("batch", 2);
        c.put("lr", 2e-3);
        c.put("seed", 5);
        return c;
    }

    @Test
    void isRegisteredForTheWorker() {
        assertThat(HeavyJobs.all()).containsKey(ZeroSegJob.METHOD);
    }

    @Test
    void aShortCpuRunLowersTheTotalLoss() throws Exception {
        Path project = ZeroSegTestProjects.unlabelled(tmp, 4);
        int steps = 40;
        double[] loss = new double[steps];
        try (ZeroSegJob job = new ZeroSegJob()) {
            job.init(new HeavyContext(config(steps), project, tmp.resolve("run"), Device.cpu()));
            assertThat(job.totalSteps()).isEqualTo(steps);
            for (int i = 0; i < steps; i++) {
                loss[i] = job.step(i);
                assertThat(loss[i]).isFinite();
            }
            Map<String, Double> m = job.evaluate();
            assertThat(m).containsKeys("loss_distill", "loss_segment", "loss_mae", "loss");
        }
        double first = (loss[0] + loss[1] + loss[2] + loss[3] + loss[4]) / 5;
        double last = (loss[steps - 1] + loss[steps - 2] + loss[steps - 3] + loss[steps - 4] + loss[steps - 5]) / 5;
        assertThat(last).as("mean loss of the last 5 steps vs the first 5").isLessThan(first * 0.9);
    }

    @Test
    void restoreContinuesExactlyInProcess() throws Exception {
        Path project = ZeroSegTestProjects.unlabelled(tmp, 3);
        Map<String, Checkpoint.Tensor> straight;
        try (ZeroSegJob job = new ZeroSegJob()) {
            job.init(new HeavyContext(config(6), project, tmp.resolve("a"), Device.cpu()));
            for (int i = 0; i < 6; i++) {
                job.step(i);
            }
            straight = Checkpoint.read(save(job, tmp.resolve("a"), 6)).tensors();
        }
        Path half;
        try (ZeroSegJob job = new ZeroSegJob()) {
            job.init(new HeavyContext(config(6), project, tmp.resolve("b"), Device.cpu()));
            for (int i = 0; i < 3; i++) {
                job.step(i);
            }
            half = save(job, tmp.resolve("b"), 3);
        }
        try (ZeroSegJob job = new ZeroSegJob()) {
            job.init(new HeavyContext(config(6), project, tmp.resolve("b"), Device.cpu()));
            job.restore(Checkpoint.read(half));
            for (int i = 3; i < 6; i++) {
                job.step(i);
            }
            Map<String, Checkpoint.Tensor> resumed = Checkpoint.read(save(job, tmp.resolve("b"), 6)).tensors();
            assertThat(resumed.keySet()).isEqualTo(straight.keySet());
            for (String n : straight.keySet()) {
                assertThat(resumed.get(n).data()).as(n).isEqualTo(straight.get(n).data());
            }
        }
    }

    private static Path save(ZeroSegJob job, Path runDir, long step) throws Exception {
        Checkpoint.Writer w = new Checkpoint.Writer();
        job.save(w);
        return w.write(runDir, step);
    }
}
