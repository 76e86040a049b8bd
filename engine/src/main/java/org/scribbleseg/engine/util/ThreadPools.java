package org.scribbleseg.engine.util;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that creates executors and threads (ArchitectureTest keeps it so): named daemon threads with a
 * priority, owned by one instance and stopped when it closes. An {@code Engine} owns one ({@code Engine.threads()})
 * for its job lanes, accept tracker, exports and imports; what runs without an engine (the CLI, the worker process, a
 * model download dialog, the app's start screen) owns an instance of its own and closes it. A pool shut down by its
 * user is forgotten once it has terminated, so short-lived pools (one per export) do not pile up.
 */
public final class ThreadPools implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadPools.class);
    /** How long {@link #close()} lets running tasks finish before interrupting them. */
    static final long CLOSE_WAIT_MS = 10_000;

    private final String owner;
    private final Set<ExecutorService> pools = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** @param owner what owns these threads, for logs (e.g. the project's name) */
    public ThreadPools(String owner) {
        this.owner = owner;
    }

    /** One thread named {@code name}; tasks run in submission order. */
    public ExecutorService single(String name, int priority) {
        return register(new Pool(1, 1, 0, new LinkedBlockingQueue<>(), factory(name, false, priority)));
    }

    /** {@code threads} threads named {@code name-1}, {@code name-2}, …, kept while the pool lives. */
    public ExecutorService fixed(String name, int threads, int priority) {
        int n = Math.max(1, threads);
        return register(new Pool(n, n, 0, new LinkedBlockingQueue<>(), factory(name, true, priority)));
    }

    /** A thread per concurrent task ({@code name-1}, …), ended after a minute idle. */
    public ExecutorService cached(String name) {
        return register(new Pool(0, Integer.MAX_VALUE, 60, new SynchronousQueue<>(), factory(name, true, Thread.NORM_PRIORITY)));
    }

    /** One timer thread named {@code name}. */
    public ScheduledExecutorService scheduled(String name) {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, factory(name, false, Thread.NORM_PRIORITY)) {
            @Override
            protected void terminated() {
                super.terminated();
                pools.remove(this);
            }
        };
        s.setRemoveOnCancelPolicy(true);
        return register(s);
    }

    /**
     * Starts a thread named {@code name} for work whose end is not a pool's to decide (a reader of a child process's
     * output, the worker's job thread); {@link #close()} interrupts it if still running and waits for it briefly.
     */
    public Thread start(String name, boolean daemon, Runnable work) {
        checkOpen();
        Thread t = new Thread(() -> {
            try {
                work.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name);
        t.setDaemon(daemon);
        threads.add(t);
        t.start();
        return t;
    }

    /** Threads alive that this instance started or that its pools hold. */
    public int liveThreads() {
        return (int) threads.stream().filter(Thread::isAlive).count()
                + pools.stream().mapToInt(p -> p instanceof ThreadPoolExecutor e ? e.getPoolSize() : 0).sum();
    }

    /** Pools held (not yet terminated). */
    int pools() {
        return pools.size();
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Shuts every pool down without waiting: queued tasks still run, then the threads end; no new pool or thread is
     * taken. For a caller that must not block (the FX thread); {@link #close()} waits.
     */
    public void shutdown() {
        closed = true;
        pools.forEach(ExecutorService::shutdown);
    }

    /**
     * Shuts every pool down (queued tasks still run), waits up to {@value #CLOSE_WAIT_MS} ms for them, then
     * interrupts what is left; interrupts the started threads that are still running and waits for them as long.
     * Closing twice does nothing more.
     */
    @Override
    public void close() {
        closed = true;
        List<ExecutorService> all = new ArrayList<>(pools);
        all.forEach(ExecutorService::shutdown);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        boolean interrupted = false;
        for (ExecutorService p : all) {
            try {
                if (!p.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("{}: a pool did not stop within {} ms; interrupting it", owner, CLOSE_WAIT_MS);
                    p.shutdownNow();
                }
            } catch (InterruptedException e) {
                interrupted = true;
                p.shutdownNow();
            }
        }
        for (ExecutorService p : all) {
            try {
                p.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Thread t : new ArrayList<>(threads)) {
            if (t != Thread.currentThread()) {
                t.interrupt();
                try {
                    t.join(1000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private <E extends ExecutorService> E register(E e) {
        checkOpen();
        pools.add(e);
        return e;
    }

    private void checkOpen() {
        if (closed) {
            throw new RejectedExecutionException("the threads of " + owner + " are closed");
        }
    }

    /** Daemon threads named {@code name} ({@code name-n} when {@code numbered}) at {@code priority}. */
    private static ThreadFactory factory(String name, boolean numbered, int priority) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, numbered ? name + "-" + n.incrementAndGet() : name);
            t.setDaemon(true);
            t.setPriority(priority);
            return t;
        };
    }

    private final class Pool extends ThreadPoolExecutor {
        Pool(int core, int max, long keepAliveSeconds, java.util.concurrent.BlockingQueue<Runnable> queue, ThreadFactory f) {
            super(core, max, keepAliveSeconds, TimeUnit.SECONDS, queue, f);
        }

        @Override
        protected void terminated() {
            super.terminated();
            pools.remove(this);
        }
    }
}
