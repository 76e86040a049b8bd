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
    void uncertaintyOpacityGrowsWithUncertainty() {
        int[] u = LabelPainter.uncertaintyToArgb(new byte[] {0, (byte) 128, (byte) 255});
        assertThat(u[0] >>> 24).isZero();
        assertThat(u[1] >>> 24).isEqualTo(128);
        assertThat(u[2] >>> 24).isEqualTo(255);
    }
}
