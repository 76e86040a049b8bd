package org.scribbleseg.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.image.LabelMap;

/** Boundary F on hand-made masks whose boundaries are known pixel by pixel. */
class BoundaryScoreTest {

    /** Class 0 left of column {@code edge}, class 1 from it on. */
    private static LabelMap halves(int w, int h, int edge) {
        LabelMap m = LabelMap.unlabelled(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                m.set(x, y, x < edge ? 0 : 1);
            }
        }
        return m;
    }

    /** Background 0 with a {@code side}×{@code side} square of class 1 at (x0, y0). */
    private static LabelMap square(int w, int h, int x0, int y0, int side) {
        LabelMap m = LabelMap.unlabelled(w, h);
        java.util.Arrays.fill(m.data(), (byte) 0);
        for (int y = y0; y < y0 + side; y++) {
            for (int x = x0; x < x0 + side; x++) {
                m.set(x, y, 1);
            }
        }
        return m;
    }

    @Test
    void identicalMasksScoreOne() {
        LabelMap a = square(50, 40, 10, 8, 17);
        a.set(40, 30, 2);
        a.set(3, 3, LabelMap.VOID);
        BoundaryScore.Score s = BoundaryScore.of(a, a.copy(), 2);
        assertThat(s.f()).isEqualTo(1.0);
        assertThat(s.precision()).isEqualTo(1.0);
        assertThat(s.recall()).isEqualTo(1.0);
        // both sides of each edge: 4 x 17 class-1 pixels less the 4 corners counted once, 4 x 17 background pixels
        // around the square, and the class-2 pixel with its 4 background neighbours; the void pixel's 4
        // neighbours are no boundary
        assertThat(s.trueBoundary()).isEqualTo((4 * 17 - 4) + 4 * 17 + 1 + 4);
    }

    @Test
    void anEdgeShiftedByTwoPixelsIsMatchedAtTwoPixelsAndMissedAtOne() {
        // truth's edge: columns 9 (class 0) and 10 (class 1); the prediction's: 11 and 12, 2 px off for each class
        LabelMap truth = halves(30, 10, 10);
        LabelMap pred = halves(30, 10, 12);
        assertThat(BoundaryScore.of(truth, pred, 2).f()).isEqualTo(1.0);
        BoundaryScore.Score tight = BoundaryScore.of(truth, pred, 1);
        assertThat(tight.f()).isEqualTo(0.0);
        assertThat(tight.predictedBoundary()).isEqualTo(20);
        assertThat(tight.trueBoundary()).isEqualTo(20);
        // mIoU barely notices the same shift: 2 of 30 columns wrong
        assertThat(new Metrics(LabelMap.VOID).add(truth, pred).meanIoU()).isGreaterThan(0.85);
    }

    @Test
    void aShiftedSquareMatchesItsTopAndBottomEdgesButNotItsSides() {
        // a 20 px square shifted 4 px right, tolerance 2: the left and right sides (4 px off) are missed, the top and
        // bottom edges are matched where the two squares overlap in x and up to 2 px beyond a corner of the other
        int w = 60;
        int h = 50;
        LabelMap truth = square(w, h, 15, 12, 20);
        LabelMap pred = square(w, h, 19, 12, 20);
        BoundaryScore.Score s = BoundaryScore.of(truth, pred, 2);
        // per class and side, by symmetry precision = recall. Class 1 (inner ring, 76 px): top and bottom rows
        // x = 19..36 are within 2 px of the other ring (x = 15..34 plus its right side at 34, reached up to x = 36):
        // 18 px each; its sides (rows 13..30, 18 px each, the corners counted in the rows) are 4 px from the other's
        // sides and more than 2 px from its rows, except at rows 13, 14 and 29, 30 (within 2 px of the other's top
        // and bottom rows): 4 of 36. Class 0 (outer ring, 80 px: rows y = 11 and 32, x = 15..34; columns x = 14 and
        // 35, y = 12..31): rows x = 19..34 plus x = 35, 36 of the other within 2 -> 16 + 2 = 18 of 20 each side; the
        // columns are 4 px apart: only y = 12, 13 and 30, 31 lie within 2 px of the other's rows: 4 of 40.
        double matched = (18 + 18 + 4) + (18 + 18 + 4);
        double total = 76 + 80;
        assertThat(s.predictedBoundary()).isEqualTo(156);
        assertThat(s.precision()).isCloseTo(matched / total, offset(1e-12));
        assertThat(s.recall()).isCloseTo(matched / total, offset(1e-12));
        assertThat(s.f()).isCloseTo(matched / total, offset(1e-12));
        // ignoring the tolerance (exact matches only) loses the 16 pixels matched 1-2 px off: 64 of 156
        assertThat(BoundaryScore.of(truth, pred, 0).f()).isCloseTo(64.0 / 156, offset(1e-12));
    }

    @Test
    void voidTruthIsIgnored() {
        LabelMap truth = halves(30, 10, 10);
        LabelMap pred = truth.copy();
        for (int y = 0; y < 10; y++) {
            for (int x = 20; x < 30; x++) {
                truth.set(x, y, LabelMap.VOID);
                pred.set(x, y, (x + y) % 3); // noise where the truth says nothing
            }
        }
        assertThat(BoundaryScore.of(truth, pred, 1).f()).isEqualTo(1.0);
    }

    @Test
    void theDefaultToleranceIsThreeQuartersOfAPercentOfTheDiagonal() {
        assertThat(BoundaryScore.defaultTolerance(480, 360)).isEqualTo(5); // 600 px diagonal: 4.5 -> 5
        assertThat(BoundaryScore.defaultTolerance(512, 512)).isEqualTo(6); // 724: 5.43 -> 6
        assertThat(BoundaryScore.defaultTolerance(40, 20)).isEqualTo(1);
        LabelMap empty = halves(10, 10, 10); // one class, no boundary
        assertThat(BoundaryScore.of(empty, empty).f()).isEqualTo(1.0);
        assertThat(BoundaryScore.of(empty, halves(10, 10, 5)).f()).isEqualTo(0.0);
    }
}
