package org.scribbleseg.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.feature.FeatureCache;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.train.LinearHead;

/** Next-image suggestion: most uncertain first, ties broken towards under-represented classes. */
final class Suggestions {
    private Suggestions() {
    }

    static List<Suggestion> rank(ProjectStore store, LinearHead head, FeatureCache cache, String backboneKey, int n) {
        if (head == null) {
            return List.of();
        }
        // how much of each class the labels already hold (stroke counts as a cheap proxy of labelled pixels)
        Map<Integer, Double> share = new HashMap<>();
        Map<Long, Long> strokesByClass = store.strokeCountsByClass();
        double total = strokesByClass.values().stream().mapToLong(Long::longValue).sum();
        for (ClassDef c : store.classes()) {
            share.put(c.vocIndex(), total == 0 ? 0 : strokesByClass.getOrDefault(c.id(), 0L) / total);
        }
        List<Suggestion> out = new ArrayList<>();
        for (ImageEntry e : store.images()) {
            if (e.status() == ImageStatus.DONE) {
                continue;
            }
            Optional<FeatureMap> f = cache.get(backboneKey, e.sha256());
            if (f.isEmpty()) {
                out.add(new Suggestion(e, Double.NaN, 1.0));
                continue;
            }
            out.add(score(head, f.get(), e, share));
        }
        out.sort(Comparator.comparingDouble((Suggestion s) -> Double.isNaN(s.meanUncertainty()) ? 1 : 0)
                .thenComparing(Comparator.comparingDouble(Suggestion::meanUncertainty).reversed())
                .thenComparingDouble(Suggestion::rarestClassShare)
                .thenComparingLong(s -> s.image().id()));
        return out.subList(0, Math.min(n, out.size()));
    }

    /** Mean (1 − margin) over the feature grid, and the rarest predicted class's share. */
    static Suggestion score(LinearHead head, FeatureMap f, ImageEntry e, Map<Integer, Double> share) {
        float[] logits = head.gridLogits(f);
        int k = head.numClasses();
        int cells = f.height() * f.width();
        int[] values = head.classValues();
        double sum = 0;
        double rarest = 1.0;
        boolean[] seen = new boolean[k];
        for (int i = 0; i < cells; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < k; j++) {
                double v = logits[j * cells + i];
                if (v > max) {
                    max = v;
                    arg = j;
                }
            }
            double z = 0;
            double p1 = 0;
            double p2 = 0;
            for (int j = 0; j < k; j++) {
                double p = Math.exp(logits[j * cells + i] - max);
                z += p;
                if (j != arg && p > p2) {
                    p2 = p;
                }
            }
            p1 = 1.0 / z;
            p2 = p2 / z;
            sum += 1 - (p1 - p2);
            seen[arg] = true;
        }
        for (int j = 0; j < k; j++) {
            if (seen[j]) {
                rarest = Math.min(rarest, share.getOrDefault(values[j], 0.0));
            }
        }
        return new Suggestion(e, sum / cells, rarest);
    }
}
