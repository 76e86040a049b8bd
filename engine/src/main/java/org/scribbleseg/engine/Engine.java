package org.scribbleseg.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.scribbleseg.engine.image.ImageLoader;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.job.EngineEvent;
import org.scribbleseg.engine.job.EngineListener;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * The facade the app, the CLI and the tests use: one open project, its store, image loading, background jobs and
 * the events they publish. Commands go down (store writes, {@link #setCurrentImage}), events come up through
 * {@link EngineListener}s on engine threads. The engine never calls the UI.
 */
public final class Engine implements AutoCloseable {
    private final ProjectStore store;
    private final List<EngineListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, EngineEvent.PredictionsUpdated> predictions = new ConcurrentHashMap<>();
    private volatile long currentImage = -1;

    private Engine(ProjectStore store) {
        this.store = store;
    }

    public static Engine open(Path projectDir) {
        return new Engine(ProjectStore.open(projectDir));
    }

    public static Engine create(Path projectDir) {
        return new Engine(ProjectStore.create(projectDir));
    }

    public ProjectStore store() {
        return store;
    }

    /** Decodes an image of the project (EXIF orientation applied). Throws {@link ProjectException} with the reason. */
    public RgbImage loadImage(long imageId) {
        ImageEntry e = store.image(imageId).orElseThrow(() -> new ProjectException("no image with id " + imageId));
        return loadImage(e);
    }

    public RgbImage loadImage(ImageEntry e) {
        Path file = store.resolve(e);
        try {
            return ImageLoader.load(file);
        } catch (java.io.IOException | RuntimeException ex) {
            throw new ProjectException("cannot read image " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** The image the user is looking at: predicted first. */
    public void setCurrentImage(long imageId) {
        currentImage = imageId;
    }

    public long currentImage() {
        return currentImage;
    }

    /** The latest prediction of an image, if one was made in this session. */
    public Optional<EngineEvent.PredictionsUpdated> latestPrediction(long imageId) {
        return Optional.ofNullable(predictions.get(imageId));
    }

    public void addListener(EngineListener l) {
        listeners.add(l);
    }

    public void removeListener(EngineListener l) {
        listeners.remove(l);
    }

    void publish(EngineEvent e) {
        if (e instanceof EngineEvent.PredictionsUpdated p) {
            predictions.put(p.imageId(), p);
        }
        for (EngineListener l : listeners) {
            l.onEvent(e);
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
