package org.scribbleseg.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegionsTest {

    /** Rows of digits as a label map; '.' is void. */
    private static LabelMap map(String... rows) {
        int w = rows[0].length();
        byte[] d = new byte[w * rows.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < w; x++) {
                char ch = rows[y].charAt(x);
                d[y * w + x] = (byte) (ch == '.' ? LabelMap.VOID : ch - '0');
            }
        }
        return new LabelMap(w, rows.length, d);
    }

    @Test
    void theComponentIsFourConnectedAndOfOneValue() {
        LabelMap m = map(
                "1100",
                "0102",
                "1112",
                "0010");
        // the 1s at (0,0),(1,0),(1,1),(0,2),(1,2),(2,2),(2,3) touch by edges
        assertThat(Regions.component(m, 1, 1)).containsExactly(0, 1, 5, 8, 9, 10, 14);
        // the 2s: a vertical pair at the right edge
        assertThat(Regions.component(m, 3, 2)).containsExactly(7, 11);
        // 0s that only touch diagonally are separate components
        assertThat(Regions.component(m, 0, 1)).containsExactly(4);
        assertThat(Regions.component(m, 0, 3)).containsExactly(12, 13);
        assertThat(Regions.component(m, 4, 0)).isEmpty();
        assertThat(Regions.component(m, -1, 0)).isEmpty();
    }

    @Test
    void aComponentDoesNotWrapAroundRowEnds() {
        LabelMap m = map(
                "0001",
                "1000");
        assertThat(Regions.component(m, 3, 0)).containsExactly(3);
        assertThat(Regions.component(m, 0, 1)).containsExactly(4);
    }

    @Test
    void aLargeComponentIsFoundWhole() {
        LabelMap m = LabelMap.unlabelled(300, 200);
        assertThat(Regions.component(m, 150, 100)).hasSize(300 * 200);
    }

    @Test
    void fillAndOverlayCopy() {
        LabelMap m = map("1.", "..");
        LabelMap f = Regions.fill(m, new int[] {1, 3}, 7);
        assertThat(f.data()).containsExactly(1, 7, (byte) 255, 7);
        assertThat(m.data()).containsExactly(1, (byte) 255, (byte) 255, (byte) 255);

        LabelMap under = map("22", "22");
        LabelMap o = Regions.overlay(under, map("1.", ".0"));
        assertThat(o.data()).containsExactly(1, 2, 2, 0);
        assertThat(under.data()).containsExactly(2, 2, 2, 2);
        assertThatThrownBy(() -> Regions.overlay(under, map("1"))).isInstanceOf(IllegalArgumentException.class);
    }
}
