package org.scribbleseg.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.LabelMap;

class MetricsTest {

    @Test
    void handComputedConfusionMatrix() {
        // gt:   0 0 0 1 1 2 255 2
        // pred: 0 0 1 1 2 2  0  255
        byte[] gt = {0, 0, 0, 1, 1, 2, (byte) 255, 2};
        byte[] pr = {0, 0, 1, 1, 2, 2, 0, (byte) 255};
        Metrics m = new Metrics(3).add(new LabelMap(8, 1, gt), new LabelMap(8, 1, pr));
        assertThat(m.count(0, 0)).isEqualTo(2);
        assertThat(m.count(0, 1)).isEqualTo(1);
        assertThat(m.count(1, 2)).isEqualTo(1);
        // class 0: TP 2, FP 0, FN 1 → 2/3; class 1: TP 1, FP 1, FN 1 → 1/3; class 2: TP 1, FP 1, FN 1 (void pred) → 1/3
        assertThat(m.iou(0)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.iou(1)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.iou(2)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.meanIoU()).isCloseTo(4.0 / 9, within(1e-12));
        assertThat(m.pixelAccuracy()).isCloseTo(4.0 / 7, within(1e-12));
        Metrics empty = new Metrics(4).add(new LabelMap(8, 1, gt), new LabelMap(8, 1, pr));
        assertThat(empty.iou(3)).isNaN(); // absent everywhere: excluded from the mean
        assertThat(empty.meanIoU()).isCloseTo(4.0 / 9, within(1e-12));
    }
}
