package org.scribbleseg.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JobQueueTest {

    @Test
    void progressEventsSayWhichLaneTheJobRunsOn() throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        try (JobQueue q = new JobQueue(events::add, 1)) {
            for (Lane lane : Lane.values()) {
                q.submit(lane, "t", ctx -> ctx.progress(1, 1, lane.name())).outcome().get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(events).filteredOn(EngineEvent.JobProgress.class::isInstance).map(e -> (EngineEvent.JobProgress) e)
                .extracting(p -> p.lane().name() + "=" + p.message())
                .containsExactly("INTERACTIVE=INTERACTIVE", "FEATURES=FEATURES", "HEAVY=HEAVY");
    }

    @Test
    void aNewerRevisionCancelsTheStaleJobRunningOrWaiting() throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        try (JobQueue q = new JobQueue(events::add, 1)) {
            CountDownLatch started = new CountDownLatch(1);
            JobHandle first = q.submit(Lane.INTERACTIVE, "train", "train rev 1", ctx -> {
                started.countDown();
                while (true) { // a long training loop that checks for cancellation between steps
                    ctx.checkCancelled();
                    Thread.sleep(1);
                }
            });
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            JobHandle second = q.submit(Lane.INTERACTIVE, "train", "train rev 2", ctx -> Thread.sleep(50));
            JobHandle third = q.submit(Lane.INTERACTIVE, "train", "train rev 3", ctx -> ctx.progress(1, 1, "trained"));
            assertThat(first.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.CANCELLED);
            assertThat(second.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.CANCELLED);
            assertThat(third.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
        }
        // events arrive in order: rev 1 cancelled, rev 2 cancelled (never ran), rev 3's progress then completion
        List<String> seen = events.stream().map(e -> {
            if (e instanceof EngineEvent.JobFinished f) {
                return f.title() + ":" + f.outcome();
            }
            if (e instanceof EngineEvent.JobProgress p) {
                return p.title() + ":progress " + p.done() + "/" + p.total();
            }
            return e.toString();
        }).toList();
        assertThat(seen).containsExactly("train rev 1:CANCELLED", "train rev 2:CANCELLED",
                "train rev 3:progress 1/1", "train rev 3:COMPLETED");
    }

    @Test
    void failuresAreReportedWithTheirReason() throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        try (JobQueue q = new JobQueue(events::add, 1)) {
            JobHandle h = q.submit(Lane.HEAVY, "export", ctx -> {
                throw new IllegalStateException("disk full while writing mask 7");
            });
            assertThat(h.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.FAILED);
        }
        assertThat(events).containsExactly(new EngineEvent.JobFinished("heavy-1", "export", EngineEvent.Outcome.FAILED,
                "disk full while writing mask 7"));
    }

    @Test
    void oneJobCanBeCancelledByItsIdLeavingTheOthers() throws Exception {
        try (JobQueue q = new JobQueue(e -> { }, 2)) {
            CountDownLatch started = new CountDownLatch(2);
            Job spin = ctx -> {
                started.countDown();
                while (true) {
                    ctx.checkCancelled();
                    Thread.sleep(1);
                }
            };
            JobHandle a = q.submit(Lane.HEAVY, "export", spin);
            JobHandle b = q.submit(Lane.FEATURES, "features", spin);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(q.cancel(a.id())).isTrue();
            assertThat(a.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.CANCELLED);
            assertThat(b.outcome().isDone()).isFalse();
            assertThat(q.cancel(a.id())).isFalse();
            q.cancel(b.id());
            assertThat(b.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.CANCELLED);
        }
    }

    @Test
    void lanesRunIndependently() throws Exception {
        try (JobQueue q = new JobQueue(e -> { }, 2)) {
            CountDownLatch heavyRunning = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            JobHandle heavy = q.submit(Lane.HEAVY, "semivl", ctx -> {
                heavyRunning.countDown();
                release.await();
            });
            assertThat(heavyRunning.await(5, TimeUnit.SECONDS)).isTrue();
            // the interactive lane is not blocked by a long heavy job
            JobHandle quick = q.submit(Lane.INTERACTIVE, "predict", ctx -> { });
            assertThat(quick.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
            assertThat(q.pending()).isEqualTo(1);
            release.countDown();
            assertThat(heavy.outcome().get(5, TimeUnit.SECONDS)).isEqualTo(EngineEvent.Outcome.COMPLETED);
        }
    }

    @Test
    void aJobSubmittedWhileTheQueueClosesIsDroppedAsCancelledNotFailed() throws Exception {
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<JobHandle> followUp = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch running = new CountDownLatch(1);
        JobQueue q = new JobQueue(events::add, 1);
        JobHandle first = q.submit(Lane.INTERACTIVE, "train", ctx -> {
            running.countDown();
            while (!ctx.isCancelled()) {
                Thread.sleep(5);
            }
            Thread.sleep(100); // the queue's executors are shutting down now
            followUp.set(q.submit(Lane.INTERACTIVE, "predict", c -> { }));
        });
        running.await();
        q.close();
        assertThat(first.outcome().get()).isEqualTo(EngineEvent.Outcome.CANCELLED);
        assertThat(followUp.get()).isNotNull();
        assertThat(followUp.get().outcome().get()).isEqualTo(EngineEvent.Outcome.CANCELLED);
        assertThat(events).noneMatch(e -> e instanceof EngineEvent.JobFinished f && f.outcome() == EngineEvent.Outcome.FAILED);
    }
}
