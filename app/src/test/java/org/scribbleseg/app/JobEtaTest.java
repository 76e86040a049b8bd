package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The "time left" the status bar shows for long jobs (feature extraction n/m, training over many images). */
class JobEtaTest {
    private static final long S = 1_000_000_000L;

    @Test
    void extrapolatesTheRateSinceTheFirstReport() {
        JobEta eta = new JobEta();
        // the first report (1 of 10 at t = 5 s) is the reference: start-up time is not extrapolated
        assertThat(eta.update("features-1", 1, 10, 5 * S)).isEmpty();
        // 2 more images in 4 s: 2 s each, 7 left
        assertThat(eta.update("features-1", 3, 10, 9 * S)).isEqualTo(" · about 14 s left");
        assertThat(eta.update("features-1", 10, 10, 23 * S)).as("done").isEmpty();
        // another job keeps its own clock; a finished job's clock is forgotten
        assertThat(eta.update("train-2", 0, 200, 0)).isEmpty();
        assertThat(eta.update("train-2", 50, 200, 100 * S)).isEqualTo(" · about 5 min left");
        eta.finished("train-2");
        assertThat(eta.update("train-2", 60, 200, 101 * S)).isEmpty();
    }

    @Test
    void noEstimateForIndeterminateOrTooEarlyProgress() {
        JobEta eta = new JobEta();
        assertThat(eta.update("a", 0, -1, 0)).isEmpty();
        assertThat(eta.update("a", 5, -1, 10 * S)).isEmpty();
        JobEta b = new JobEta();
        b.update("b", 0, 100, 0);
        assertThat(b.update("b", 10, 100, S / 2)).as("under a second of history").isEmpty();
        assertThat(JobEta.format(2 * 3600 + 5 * 60)).isEqualTo("about 2 h 5 min");
        assertThat(b.age("b", 3 * S)).isEqualTo(3 * S);
        assertThat(b.age("never-reported", 3 * S)).isZero();
    }
}
