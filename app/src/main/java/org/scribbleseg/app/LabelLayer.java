package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.scribbleseg.engine.Annotations;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.Stroke;

/**
 * The canvas's labels layer kept in step with the current image's labels as the store has them: a stroke the
 * user just drew is painted at once ({@link ImageCanvas#paintStroke}); when the labels read after a change only add
 * strokes to what is painted, those are painted in place, anything else (an undo, a mask, new colours) is redrawn
 * in full off the FX thread. FX thread only.
 */
final class LabelLayer {
    private final ImageCanvas canvas;
    private final Notifier notifier;
    /** The window's image token: a render started for another image is dropped. */
    private final LongSupplier imageToken;

    private Map<Long, Integer> rgbByClassId = Map.of();
    private int[] colorTable = new int[256];
    // what the layer shows now, to paint only new strokes incrementally
    private final List<Long> renderedIds = new ArrayList<>();
    private long renderedMaskKey = Long.MIN_VALUE;
    private int renderedColorKey;
    private boolean fullRenderInFlight;
    private Annotations.ImageLabels latest;

    private final UiBackground background;

    LabelLayer(ImageCanvas canvas, Notifier notifier, LongSupplier imageToken, UiBackground background) {
        this.background = background;
        this.canvas = canvas;
        this.notifier = notifier;
        this.imageToken = imageToken;
    }

    /** The classes' colours (label value and class id to RGB). */
    void setClasses(List<ClassDef> list) {
        Map<Long, Integer> byId = new HashMap<>();
        Map<Integer, Integer> byIndex = new HashMap<>();
        for (ClassDef c : list) {
            byId.put(c.id(), c.rgb());
            byIndex.put(c.vocIndex(), c.rgb());
        }
        rgbByClassId = byId;
        colorTable = LabelPainter.colorTable(byIndex);
    }

    /** ARGB per label value (a copy, for work off the FX thread). */
    int[] colorTable() {
        return colorTable.clone();
    }

    /** Whether a full redraw is in flight. */
    boolean busy() {
        return fullRenderInFlight;
    }

    /** Another image is being loaded: nothing is painted. */
    void clear() {
        latest = null;
        renderedIds.clear();
        renderedMaskKey = Long.MIN_VALUE;
        fullRenderInFlight = false;
    }

    /** The new image is on the canvas with an empty labels layer. */
    void imageShown() {
        canvas.setLabels(new int[canvas.imageWidth() * canvas.imageHeight()]);
        renderedIds.clear();
        renderedMaskKey = -1;
        renderedColorKey = rgbByClassId.hashCode();
    }

    /** The labels of the current image as just read from the store. */
    void show(Annotations.ImageLabels labels) {
        latest = labels;
        apply();
    }

    /** A stroke painted by the canvas and now saved: the read that follows must not paint it again. */
    void painted(Stroke s) {
        if (!fullRenderInFlight && !renderedIds.contains(s.id())
                && (latest == null || latest.strokes().stream().noneMatch(x -> x.id() == s.id()))) {
            renderedIds.add(s.id());
        }
    }

    /** What is painted no longer matches the store (a stroke that was not saved): the next read redraws. */
    void invalidate() {
        renderedMaskKey = Long.MIN_VALUE;
    }

    private static long maskKey(Annotations.ImageLabels a) {
        return a.mask().map(MaskRecord::revision).orElse(-1L);
    }

    /** Brings the layer up to the latest labels read: new strokes painted in place, anything else redrawn in full. */
    void apply() {
        Annotations.ImageLabels a = latest;
        if (a == null || canvas.image() == null || fullRenderInFlight) {
            return;
        }
        List<Long> ids = a.strokes().stream().map(Stroke::id).toList();
        boolean prefix = ids.size() >= renderedIds.size() && ids.subList(0, renderedIds.size()).equals(renderedIds);
        int colorKey = rgbByClassId.hashCode();
        if (prefix && maskKey(a) == renderedMaskKey && colorKey == renderedColorKey) {
            for (Stroke s : a.strokes().subList(renderedIds.size(), ids.size())) {
                canvas.paintStroke(s.kind(), LabelPainter.colorOf(s, rgbByClassId), s.radius(), s.points());
                renderedIds.add(s.id());
            }
            return;
        }
        fullRenderInFlight = true;
        int w = canvas.imageWidth();
        int h = canvas.imageHeight();
        int[] table = colorTable.clone();
        Map<Long, Integer> colors = rgbByClassId;
        long token = imageToken.getAsLong();
        UiBackground.on(background.images(), () -> {
            int[] argb = new int[w * h];
            a.mask().filter(m -> m.labels().width() == w && m.labels().height() == h)
                    .ifPresent(m -> LabelPainter.paintLabels(m.labels(), table, argb));
            LabelPainter.paintStrokes(a.strokes(), colors, argb, w, h);
            return argb;
        }, argb -> {
            fullRenderInFlight = false;
            if (token != imageToken.getAsLong()) {
                return;
            }
            canvas.setLabels(argb);
            renderedIds.clear();
            renderedIds.addAll(ids);
            renderedMaskKey = maskKey(a);
            renderedColorKey = colorKey;
            apply();
        }, t -> {
            fullRenderInFlight = false;
            notifier.error("Could not draw the labels", t, null);
        });
    }
}
