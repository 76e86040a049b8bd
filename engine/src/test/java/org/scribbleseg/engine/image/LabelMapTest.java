package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LabelMapTest {

    /**
     * nextLabelled skips void eight pixels at a time; it must find exactly the pixels a plain scan finds, from any
     * start to any end (unaligned on both sides), in maps that are empty, sparse, dense, or labelled only in the
     * last byte.
     */
    @Test
    void nextLabelledFindsWhatAPlainScanFinds() {
        SplittableRandom r = new SplittableRandom(3);
        for (double density : new double[] {0, 0.01, 0.2, 1}) {
            byte[] d = new byte[97];
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextDouble() < density ? (byte) r.nextInt(255) : (byte) LabelMap.VOID;
            }
            check(d);
        }
        byte[] last = new byte[64];
        java.util.Arrays.fill(last, (byte) LabelMap.VOID);
        last[63] = 0;
        check(last);
    }

    private static void check(byte[] d) {
        for (int from = 0; from <= d.length; from++) {
            for (int to = from; to <= d.length; to++) {
                int expected = from;
                while (expected < to && d[expected] == (byte) LabelMap.VOID) {
                    expected++;
                }
                assertThat(LabelMap.nextLabelled(d, from, to)).as("[%d, %d)", from, to).isEqualTo(expected);
            }
        }
        long count = 0;
        for (byte b : d) {
            count += b == (byte) LabelMap.VOID ? 0 : 1;
        }
        assertThat(new LabelMap(d.length, 1, d).labelledCount()).isEqualTo(count);
    }
}
