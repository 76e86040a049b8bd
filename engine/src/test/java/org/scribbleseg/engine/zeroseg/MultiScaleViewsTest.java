package org.scribbleseg.engine.zeroseg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.RgbImage;

/** The teacher's 14 views: boxes tile the image at each scale, every view is resized to the input size. */
class MultiScaleViewsTest {

    @Test
    void boxesAreTheFullImageThenThe2x2And3x3Grids() {
        List<MultiScaleViews.Box> b = MultiScaleViews.boxes(100, 61);
        assertThat(b).hasSize(14);
        assertThat(b.get(0)).isEqualTo(new MultiScaleViews.Box(0, 0, 100, 61));
        assertThat(b.get(1)).isEqualTo(new MultiScaleViews.Box(0, 0, 50, 30));
        assertThat(b.get(4)).isEqualTo(new MultiScaleViews.Box(50, 30, 100, 61));
        assertThat(b.get(5)).isEqualTo(new MultiScaleViews.Box(0, 0, 33, 20));
        assertThat(b.get(9)).isEqualTo(new MultiScaleViews.Box(33, 20, 66, 40));
        assertThat(b.get(13)).isEqualTo(new MultiScaleViews.Box(66, 40, 100, 61));
        // each grid covers every pixel exactly once
        for (int[] range : new int[][] {{1, 5}, {5, 14}}) {
            int[] cover = new int[100 * 61];
            for (int i = range[0]; i < range[1]; i++) {
                MultiScaleViews.Box x = b.get(i);
                for (int y = x.y0(); y < x.y1(); y++) {
                    for (int xx = x.x0(); xx < x.x1(); xx++) {
                        cover[y * 100 + xx]++;
                    }
                }
            }
            assertThat(cover).containsOnly(1);
        }
    }

    @Test
    void viewsAreTheCropsResizedToTheInputSize() {
        // a 6x6 image whose 3x3 cells (2x2 pixels each) have distinct colours: each 3x3 view is one flat colour
        byte[] px = new byte[6 * 6 * 3];
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                int cell = (y / 2) * 3 + x / 2;
                px[(y * 6 + x) * 3] = (byte) (20 * cell);
                px[(y * 6 + x) * 3 + 1] = (byte) (200 - 10 * cell);
                px[(y * 6 + x) * 3 + 2] = 7;
            }
        }
        RgbImage img = new RgbImage(6, 6, px);
        List<RgbImage> v = MultiScaleViews.views(img, 8);
        assertThat(v).hasSize(14).allMatch(r -> r.width() == 8 && r.height() == 8);
        for (int cell = 0; cell < 9; cell++) {
            RgbImage view = v.get(5 + cell);
            for (int i = 0; i < 64; i++) {
                assertThat(view.rgb()[i * 3] & 0xff).isEqualTo(20 * cell);
                assertThat(view.rgb()[i * 3 + 1] & 0xff).isEqualTo(200 - 10 * cell);
            }
        }
        // the 2x2 top-left view is the 3x3 top-left pixels enlarged: its corner keeps cell 0's colour
        assertThat(v.get(1).rgb()[0] & 0xff).isEqualTo(0);
        assertThat(v.get(4).rgb()[(63) * 3] & 0xff).isEqualTo(20 * 8);
        float[] chw = MultiScaleViews.chw(v.get(5 + 4), new float[] {0, 0, 0}, new float[] {1, 1, 1});
        assertThat(chw[0]).isEqualTo(80 / 255f);
        assertThat(chw[64]).isEqualTo(160 / 255f);
    }
}
