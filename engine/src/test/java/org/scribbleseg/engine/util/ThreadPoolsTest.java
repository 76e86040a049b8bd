package org.scribbleseg.engine.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ThreadPoolsTest {

    @Test
    void poolsHaveNamedDaemonThreadsAtTheirPriority() throws Exception {
        try (ThreadPools pools = new ThreadPools("test")) {
            ExecutorService one = pools.single("sseg-test-one", Thread.MAX_PRIORITY);
            ExecutorService many = pools.fixed("sseg-test-many", 2, Thread.MIN_PRIORITY);
            Thread a = one.submit(Thread::currentThread).get();
            assertThat(a.getName()).isEqualTo("sseg-test-one");
            assertThat(a.isDaemon()).isTrue();
            assertThat(a.getPriority()).isEqualTo(Thread.MAX_PRIORITY);
            CountDownLatch both = new CountDownLatch(2);
            List<Thread> seen = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 2; i++) {
                many.execute(() -> {
                    seen.add(Thread.currentThread());
                    both.countDown();
                    try {
                        both.await(5, TimeUnit.SECONDS); // both threads run at once
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(both.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).extracting(Thread::getName).containsExactlyInAnyOrder("sseg-test-many-1", "sseg-test-many-2");
            assertThat(seen).allMatch(Thread::isDaemon).allMatch(t -> t.getPriority() == Thread.MIN_PRIORITY);
        }
    }

    @Test
    void closeRunsWhatWasQueuedThenStopsEveryThread() throws Exception {
        ThreadPools pools = new ThreadPools("test");
        ExecutorService one = pools.single("sseg-test-q", Thread.NORM_PRIORITY);
        ScheduledExecutorService timer = pools.scheduled("sseg-test-timer");
        AtomicBoolean queuedRan = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        one.execute(() -> {
            started.countDown();
            sleep(200);
        });
        one.execute(() -> queuedRan.set(true));
        timer.schedule(() -> { }, 10, TimeUnit.MINUTES);
        Thread reader = pools.start("sseg-test-reader", true, () -> {
            try {
                new CountDownLatch(1).await(); // blocks until interrupted, as a reader of a silent stream would
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread worker = one.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(pools.liveThreads()).isGreaterThanOrEqualTo(3);

        pools.close();

        assertThat(queuedRan).as("a task queued before close still runs").isTrue();
        assertThat(one.isTerminated()).isTrue();
        assertThat(timer.isTerminated()).as("a far-off timer task does not hold the close").isTrue();
        assertThat(reader.isAlive()).isFalse();
        assertThat(worker.isAlive()).isFalse();
        assertThat(pools.liveThreads()).isZero();
        assertThat(pools.isClosed()).isTrue();
        assertThatThrownBy(() -> pools.single("sseg-late", Thread.NORM_PRIORITY)).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pools.start("sseg-late", true, () -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aPoolItsUserShutDownIsForgottenOnceItEnds() throws Exception {
        try (ThreadPools pools = new ThreadPools("test")) {
            for (int i = 0; i < 50; i++) {
                ExecutorService p = pools.fixed("sseg-test-export", 2, Thread.NORM_PRIORITY);
                p.submit(() -> 1).get();
                p.shutdown();
                assertThat(p.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(pools.pools()).isZero();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
