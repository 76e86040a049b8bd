package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDManager;

/**
 * A ViT's stored position table: row 0 for the class token, then a square M x M patch grid, row-major. Other grids
 * are made by bicubic interpolation ({@link BicubicResize}) of the patch rows, the class row kept.
 */
final class PositionTable {
    /** How the source step is computed along one axis for an output grid size g from the native size m. */
    interface Scale {
        float of(int g, int m);
    }

    private final float[] table;
    private final int channels;
    private final int grid;

    /** Loads {@code name} (shape [1, 1 + M*M, C] or [1 + M*M, C]). */
    PositionTable(WeightSource src, NDManager manager, String name) {
        try (NDManager tmp = manager.newSubManager()) {
            var pos = src.load(tmp, name);
            long[] s = pos.getShape().getShape();
            channels = (int) s[s.length - 1];
            long n = s[s.length - 2] - 1;
            grid = (int) Math.round(Math.sqrt(n));
            if ((long) grid * grid != n) {
                throw new IllegalArgumentException(name + ": position table of " + n + " patches is not square");
            }
            table = pos.toFloatArray();
        }
    }

    int nativeGrid() {
        return grid;
    }

    /** The table for a gridH x gridW grid as floats [(1 + gridH*gridW) * C]; the stored one for the native grid. */
    float[] forGrid(int gridH, int gridW, Scale scale) {
        if (gridH == grid && gridW == grid) {
            return table.clone();
        }
        int c = channels;
        float[] patches = new float[grid * grid * c];
        System.arraycopy(table, c, patches, 0, patches.length);
        float[] resized = BicubicResize.resize(patches, c, grid, grid, gridH, gridW, scale.of(gridH, grid),
                scale.of(gridW, grid));
        float[] out = new float[c + resized.length];
        System.arraycopy(table, 0, out, 0, c);
        System.arraycopy(resized, 0, out, c, resized.length);
        return out;
    }
}
