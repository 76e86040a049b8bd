package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A ViT's position table as a trainable {@link Parameter}: row 0 for the class token, then a square M x M patch grid,
 * row-major. Other grids are made by bicubic interpolation of the patch rows (class row kept) <b>inside autograd</b>,
 * as two matmuls with the Keys-cubic weight matrices built here: {@code I = Wr · P · Wcᵀ} (Wr [gh, M], Wc [gw, M],
 * one row of 4 tap weights each, taps clamped to the border so the clamped weights add up on the edge columns).
 * Its backward is the transpose {@code dP = Wrᵀ · G · Wc}, which autograd gives for free, so the table trains at any
 * input size.
 */
final class PositionTable {
    /** How the source step is computed along one axis for an output grid size g from the native size m. */
    interface Scale {
        float of(int g, int m);
    }

    private final Parameter table;
    private final int channels;
    private final int grid;
    private final Scale scale;
    private final Map<Long, float[]> matrices = new ConcurrentHashMap<>();

    /** Registers the table {@code name} (shape [1, 1 + M*M, C] or [1 + M*M, C]) loaded from {@code src}. */
    PositionTable(WeightSource src, String prefix, NDManager manager, Params params, String name, Scale scale) {
        NDArray pos = src.load(manager, prefix + name);
        long[] s = pos.getShape().getShape();
        channels = (int) s[s.length - 1];
        long n = s[s.length - 2] - 1;
        grid = (int) Math.round(Math.sqrt(n));
        if ((long) grid * grid != n) {
            pos.close();
            throw new IllegalArgumentException(name + ": position table of " + n + " patches is not square");
        }
        this.table = params.add(name, pos);
        this.scale = scale;
    }

    int nativeGrid() {
        return grid;
    }

    Parameter parameter() {
        return table;
    }

    /**
     * The table for a gridH x gridW grid, [1 + gridH*gridW, C], attached to {@code scope}: the stored one (a view)
     * for the native square grid, else the bicubic interpolation, differentiable with respect to the table.
     */
    NDArray forGrid(int gridH, int gridW, NDManager scope) {
        int c = channels;
        NDArray t = Ops.on(scope, table.value().reshape(1 + (long) grid * grid, c));
        if (gridH == grid && gridW == grid) {
            return t;
        }
        NDArray cls = t.get("0:1, :");
        NDArray p = t.get("1:, :").reshape(grid, grid, c); // [m, n, c]
        NDArray wc = scope.create(matrix(gridW), new Shape(gridW, grid));
        NDArray wr = scope.create(matrix(gridH), new Shape(gridH, grid));
        // columns: R[m, j, c] = sum_n Wc[j, n] P[m, n, c]; rows: I[i, (j, c)] = sum_m Wr[i, m] R[m, (j, c)]
        NDArray r = wc.matMul(p);
        NDArray out = wr.matMul(r.reshape(grid, (long) gridW * c)).reshape((long) gridH * gridW, c);
        return NDArrays.concat(new NDList(cls, out), 0);
    }

    /** [(1 + gridH*gridW) * C] floats of {@link #forGrid}. */
    float[] floats(int gridH, int gridW) {
        try (NDManager tmp = NDManager.newBaseManager()) {
            return forGrid(gridH, gridW, tmp).toFloatArray();
        }
    }

    /** Wr or Wc for an output size g, row-major [g, M], cached. */
    private float[] matrix(int g) {
        return matrices.computeIfAbsent((long) g, k -> BicubicResize.weightMatrix(grid, g, scale.of(g, grid)));
    }
}
