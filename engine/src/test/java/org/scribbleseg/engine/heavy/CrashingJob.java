package org.scribbleseg.engine.heavy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test-only method {@code crash-test} (registered in the test class path's META-INF/services, so only test workers
 * know it): runs {@code steps} short steps, then at step {@code crash_at} either calls {@code System.exit(7)}
 * ({@code how=exit}) or allocates until the heap is exhausted ({@code how=oom}).
 */
public final class CrashingJob implements HeavyJob {
    public static final class Factory implements HeavyJobFactory {
        @Override
        public String method() {
            return "crash-test";
        }

        @Override
        public String description() {
            return "test: crashes the worker";
        }

        @Override
        public HeavyJob create() {
            return new CrashingJob();
        }
    }

    private long steps;
    private long crashAt;
    private String how;

    @Override
    public void init(HeavyContext ctx) {
        steps = ctx.intOr("steps", 100);
        crashAt = ctx.intOr("crash_at", 5);
        how = ctx.config().path("how").asText("exit");
    }

    @Override
    public long totalSteps() {
        return steps;
    }

    @Override
    public double step(long step) throws Exception {
        Thread.sleep(20);
        if (step == crashAt) {
            if (how.equals("oom")) {
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[16 << 20]);
                }
            }
            System.exit(7);
        }
        return 0;
    }

    @Override
    public Map<String, Double> evaluate() {
        return Map.of();
    }

    @Override
    public void save(Checkpoint.Writer out) {
        out.state().put("method", "crash-test");
    }

    @Override
    public void restore(Checkpoint in) {
    }

    @Override
    public void close() {
    }
}
