package org.scribbleseg.engine.zeroseg;

import org.scribbleseg.engine.project.PreLabelSource;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.scribbleseg.engine.gpu.DeviceSpec;
import org.scribbleseg.engine.heavy.HeavyRuns;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.project.RunRecord;
import org.scribbleseg.engine.train.ZeroShotLabeler;

/**
 * The zero-shot pre-labels of one open project, for the app (through {@code Engine.zeroShot()}): what is available,
 * MaskCLIP pre-labels now, a ZeroSeg run started in the worker, ZeroSeg pre-labels from a run, and which pre-labels
 * the live head trains on. Labelling calls take seconds to minutes: call them off the UI thread.
 */
public final class ZeroShotPreLabels {
    /** The installed default CLIP model (if any), the latest ZeroSeg run (if any) and the live head's source. */
    public record State(Optional<Path> clip, Optional<RunRecord> latest, PreLabelSource source) {
    }

    private final ProjectStore store;
    private final HeavyRuns heavy;

    public ZeroShotPreLabels(ProjectStore store, HeavyRuns heavy) {
        this.store = store;
        this.heavy = heavy;
    }

    public State state() {
        Optional<RunRecord> latest;
        try {
            latest = Optional.of(ZeroSegLabeler.run(store, null));
        } catch (ProjectException e) {
            latest = Optional.empty();
        }
        return new State(ClipModels.resolve(ClipModels.DEFAULT_MODEL), latest, PreLabelSource.of(store));
    }

    public void setSource(PreLabelSource s) {
        store.setSetting(PreLabelSource.SETTING, s.label());
    }

    private static Path clip() {
        return ClipModels.resolve(ClipModels.DEFAULT_MODEL).orElseThrow(() -> new ProjectException(ClipModels.NOT_INSTALLED));
    }

    /** MaskCLIP pre-labels of every image with the installed CLIP (methods.md §A defaults). */
    public PreLabels.Summary maskClip() throws IOException {
        try (ZeroShotLabeler z = new ZeroShotLabeler(clip())) {
            z.setClasses(store.classes());
            return PreLabels.writeAll(store, ZeroShotLabeler.RUN_ID, z::label, null, null);
        }
    }

    /** Starts a ZeroSeg run with the installed CLIP as teacher on the project's heavy-job device; returns its id. */
    public String startZeroSeg(Long steps) {
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("teacher", clip().toAbsolutePath().toString());
        if (steps != null) {
            cfg.put("steps", steps);
        }
        return heavy.start(ZeroSegJob.METHOD, cfg, store.setting(DeviceSpec.SETTING).orElse("auto"));
    }

    /** ZeroSeg pre-labels of every image from run {@code runId} (null: the latest), default threshold. */
    public PreLabels.Summary zeroSeg(String runId) throws IOException {
        return ZeroSegLabeler.labelProject(store, ZeroSegLabeler.run(store, runId), null, ZeroSegLabeler.DEFAULT_THRESHOLD, null, null);
    }
}
