package org.scribbleseg.engine.project;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.scribbleseg.engine.image.LabelMap;

/**
 * Which zero-shot pre-labels the live head trains on (project setting {@value #SETTING}): MaskCLIP's
 * ({@value #MASKCLIP_RUN_ID}), ZeroSeg's ({@value #ZEROSEG_RUN_ID}) or both (default). With both, an
 * image that has both is labelled where they agree or where one of them is void; where they disagree it is void.
 */
public enum PreLabelSource {
    MASKCLIP, ZEROSEG, BOTH;

    public static final String SETTING = "zeroshot.method";
    /** Run id of MaskCLIP's pre-labels in the project store ({@code train.ZeroShotLabeler} writes them). */
    public static final String MASKCLIP_RUN_ID = "zeroshot-clip";
    /** Run id of ZeroSeg's pre-labels in the project store ({@code zeroseg.ZeroSegLabeler} writes them). */
    public static final String ZEROSEG_RUN_ID = "zeroshot-zeroseg";

    public static PreLabelSource parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("zero-shot method must be maskclip, zeroseg or both, not '" + s + "'");
        }
    }

    /** The project's choice (both when unset or unreadable). */
    public static PreLabelSource of(ProjectStore store) {
        try {
            return store.setting(SETTING).map(PreLabelSource::parse).orElse(BOTH);
        } catch (IllegalArgumentException e) {
            return BOTH;
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The prediction runs this choice reads, MaskCLIP first. */
    public List<String> runIds() {
        return switch (this) {
            case MASKCLIP -> List.of(MASKCLIP_RUN_ID);
            case ZEROSEG -> List.of(ZEROSEG_RUN_ID);
            case BOTH -> List.of(MASKCLIP_RUN_ID, ZEROSEG_RUN_ID);
        };
    }

    /** The pre-labels of one image under this choice, if any run has them. */
    public Optional<LabelMap> labels(ProjectStore store, long imageId) {
        LabelMap out = null;
        for (String run : runIds()) {
            Optional<ProjectStore.PredictionRecord> p = store.prediction(imageId, run);
            if (p.isPresent()) {
                out = out == null ? p.get().labels() : merge(out, p.get().labels());
            }
        }
        return Optional.ofNullable(out);
    }

    /** Agreement merge: a's label where b is void or equal, b's where a is void, void where they differ. */
    public static LabelMap merge(LabelMap a, LabelMap b) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new IllegalArgumentException("pre-labels of different sizes");
        }
        byte[] x = a.data();
        byte[] y = b.data();
        byte[] out = new byte[x.length];
        for (int i = 0; i < out.length; i++) {
            int u = x[i] & 0xff;
            int v = y[i] & 0xff;
            out[i] = (byte) (u == LabelMap.VOID ? v : v == LabelMap.VOID || v == u ? u : LabelMap.VOID);
        }
        return new LabelMap(a.width(), a.height(), out);
    }
}
