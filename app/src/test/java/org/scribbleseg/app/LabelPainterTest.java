package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import javafx.scene.image.WritableImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.Stroke;
import org.scribbleseg.engine.project.StrokeKind;
import org.testfx.api.FxToolkit;

/** The overlay renderer: label maps and strokes become pixels in class colours (what the canvas layers show). */
class LabelPainterTest {

    @BeforeAll
    static void toolkit() throws Exception {
        FxToolkit.registerPrimaryStage();
    }

    @Test
    void predictionLabelMapBecomesClassColoursWithVoidTransparent() {
        // 3x2: background, dog(12), void / dog, cat(8), background
        LabelMap m = new LabelMap(3, 2, new byte[] {0, 12, (byte) 255, 12, 8, 0});
        int[] table = LabelPainter.colorTable(Map.of(0, 0x000000, 12, VocPalette.rgb(12), 8, VocPalette.rgb(8)));
        int[] argb = LabelPainter.labelsToArgb(m, table);
        assertThat(argb).containsExactly(0xff000000, 0xff400080, 0, 0xff400080, 0xff400000, 0xff000000);

        WritableImage img = LabelPainter.toImage(argb, 3, 2);
        assertThat(img.getPixelReader().getArgb(1, 0)).isEqualTo(0xff400080);
        assertThat(img.getPixelReader().getArgb(2, 0) >>> 24).isZero();
        assertThat(img.getPixelReader().getArgb(1, 1)).isEqualTo(0xff400000);
    }

    @Test
    void strokesPaintRoundCappedLinesInDrawingOrderAndTheEraserClears() {
        int w = 40;
        int h = 20;
        int[] out = new int[w * h];
        Stroke red = new Stroke(1, 1, 7L, StrokeKind.SCRIBBLE, 3, new float[] {5, 10, 35, 10}, 0);
        Stroke blue = new Stroke(2, 1, 8L, StrokeKind.SCRIBBLE, 3, new float[] {20, 0, 20, 20}, 0);
        Stroke erase = new Stroke(3, 1, null, StrokeKind.ERASE, 2, new float[] {30, 10}, 0);
        LabelPainter.paintStrokes(List.of(red, blue, erase), Map.of(7L, 0xff0000, 8L, 0x0000ff), out, w, h);
        assertThat(out[10 * w + 10]).isEqualTo(0xffff0000); // on the red line
        assertThat(out[10 * w + 20]).isEqualTo(0xff0000ff); // crossing: the later stroke wins
        assertThat(out[10 * w + 3]).isEqualTo(0xffff0000); // round cap reaches 2 px beyond the end point
        assertThat(out[10 * w + 1]).isZero(); // beyond the cap
        assertThat(out[4 * w + 10]).isZero(); // above the line (radius 3)
        assertThat(out[10 * w + 30]).isZero(); // erased
        assertThat(out[10 * w + 34]).isEqualTo(0xffff0000); // beyond the eraser
    }

    @Test
    void paintedPixelsAreTheEngineLabelMapsPixelsForTheSameStrokes() {
        // one coverage rule: what the canvas paints at once is what the stroke's label map (training, export) holds
        int w = 61;
        int h = 47;
        java.util.Random r = new java.util.Random(5);
        StrokeKind[] kinds = StrokeKind.values();
        for (int trial = 0; trial < 40; trial++) {
            List<Stroke> strokes = new java.util.ArrayList<>();
            for (int k = 0; k < 6; k++) {
                StrokeKind kind = kinds[r.nextInt(kinds.length)];
                int n = kind == StrokeKind.POINT ? 1 : 1 + r.nextInt(4);
                float[] pts = new float[2 * n];
                for (int i = 0; i < n; i++) {
                    pts[2 * i] = r.nextFloat() * (w + 10) - 5; // off the image too
                    pts[2 * i + 1] = r.nextFloat() * (h + 10) - 5;
                }
                float radius = new float[] {0.2f, 0.71f, 1f, 2.5f, 4.3f}[r.nextInt(5)];
                Long cls = kind.needsClass() ? (r.nextBoolean() ? 7L : 8L) : null;
                strokes.add(new Stroke(k, 1, cls, kind, radius, pts, 0));
            }
            int[] argb = new int[w * h];
            LabelPainter.paintStrokes(strokes, Map.of(7L, 0xff0000, 8L, 0x0000ff), argb, w, h);
            org.scribbleseg.engine.image.LabelRasterizer.Result labels = org.scribbleseg.engine.image.LabelRasterizer.rasterize(
                    LabelMap.unlabelled(w, h), strokes, id -> id == 7L ? 1 : 2, true);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int painted = argb[y * w + x];
                    int value = labels.labels().get(x, y);
                    int expected = labels.isIgnored(x, y) ? (((x + y) / 6) % 2 == 0 ? LabelPainter.IGNORE_A : LabelPainter.IGNORE_B)
                            : value == 1 ? 0xffff0000 : value == 2 ? 0xff0000ff : 0;
                    assertThat(painted).as("trial %d pixel (%d, %d)", trial, x, y).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void uncertaintyOpacityGrowsWithUncertainty() {
        int[] u = LabelPainter.uncertaintyToArgb(new byte[] {0, (byte) 128, (byte) 255});
        assertThat(u[0] >>> 24).isZero();
        assertThat(u[1] >>> 24).isEqualTo(128);
        assertThat(u[2] >>> 24).isEqualTo(255);
    }
}
