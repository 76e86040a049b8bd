package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.application.Platform;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.EngineListener;

/**
 * Hands the engine's event stream (heard on engine threads; store changes are on it as
 * {@link EngineEvent.AnnotationsChanged} and {@link EngineEvent.ClassesChanged}) to the FX thread: the one path back
 * to the UI. Everything that arrives before the FX thread gets round to it is coalesced into one
 * {@link Platform#runLater} — the newest prediction per image, the newest progress per job, the set of changed images.
 */
public final class FxEngineBridge implements EngineListener {

    /** What the UI hears, on the FX thread. */
    public interface Handler {
        /** Images whose annotations changed ({@code -1} = classes / project-wide). */
        void storeChanged(Set<Long> imageIds);

        /** Engine events in arrival order, coalesced. */
        void engineEvents(List<EngineEvent> events);
    }

    private final Engine engine;
    private final Handler handler;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;

    public FxEngineBridge(Engine engine, Handler handler) {
        this.engine = engine;
        this.handler = handler;
        engine.addListener(this);
    }

    @Override
    public void onEvent(EngineEvent event) {
        offer(event);
    }

    private void offer(Object o) {
        if (closed) {
            return;
        }
        queue.add(o);
        if (scheduled.compareAndSet(false, true)) {
            Platform.runLater(this::drain);
        }
    }

    private void drain() {
        scheduled.set(false);
        Set<Long> changed = new LinkedHashSet<>();
        Map<Object, EngineEvent> latest = new LinkedHashMap<>();
        Object o;
        while ((o = queue.poll()) != null) {
            if (o instanceof EngineEvent.AnnotationsChanged c) {
                changed.add(c.imageId());
            } else if (o instanceof EngineEvent.ClassesChanged) {
                changed.add(-1L);
            } else if (o instanceof EngineEvent.PredictionsUpdated p) {
                latest.remove("p" + p.imageId());
                latest.put("p" + p.imageId(), p);
            } else if (o instanceof EngineEvent.JobProgress j) {
                latest.remove("j" + j.jobId());
                latest.put("j" + j.jobId(), j);
            } else if (o instanceof EngineEvent e) {
                latest.put(new Object(), e);
            }
        }
        if (closed) {
            return;
        }
        if (!changed.isEmpty()) {
            handler.storeChanged(changed);
        }
        if (!latest.isEmpty()) {
            handler.engineEvents(new ArrayList<>(latest.values()));
        }
    }

    public void close() {
        closed = true;
        engine.removeListener(this);
    }
}
