package org.scribbleseg.engine.image;

import java.util.Arrays;

/** Regions of a label map: connected components of equal value, and painting them into another map. */
public final class Regions {
    private Regions() {
    }

    /**
     * The 4-connected component of pixels equal to the value at ({@code x}, {@code y}): their row-major indices,
     * ascending. Empty when the point lies outside the map.
     */
    public static int[] component(LabelMap m, int x, int y) {
        int w = m.width();
        int h = m.height();
        if (x < 0 || y < 0 || x >= w || y >= h) {
            return new int[0];
        }
        byte[] d = m.data();
        byte v = d[y * w + x];
        boolean[] seen = new boolean[d.length];
        int[] stack = new int[64];
        int top = 0;
        int count = 0;
        stack[top++] = y * w + x;
        seen[y * w + x] = true;
        while (top > 0) {
            int p = stack[--top];
            count++;
            int px = p % w;
            int[] next = {px > 0 ? p - 1 : -1, px < w - 1 ? p + 1 : -1, p >= w ? p - w : -1, p + w < d.length ? p + w : -1};
            for (int q : next) {
                if (q >= 0 && !seen[q] && d[q] == v) {
                    seen[q] = true;
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, stack.length * 2);
                    }
                    stack[top++] = q;
                }
            }
        }
        int[] out = new int[count];
        int n = 0;
        for (int i = 0; i < seen.length; i++) {
            if (seen[i]) {
                out[n++] = i;
            }
        }
        return out;
    }

    /** A copy of {@code base} with the pixels {@code indices} (row-major) set to {@code value}. */
    public static LabelMap fill(LabelMap base, int[] indices, int value) {
        LabelMap out = base.copy();
        byte[] d = out.data();
        for (int i : indices) {
            d[i] = (byte) value;
        }
        return out;
    }

    /** A copy of {@code under} where every labelled (not {@link LabelMap#VOID}) pixel of {@code over} wins. */
    public static LabelMap overlay(LabelMap under, LabelMap over) {
        if (under.width() != over.width() || under.height() != over.height()) {
            throw new IllegalArgumentException("label maps differ in size: " + under.width() + "x" + under.height() + " and "
                    + over.width() + "x" + over.height());
        }
        LabelMap out = under.copy();
        byte[] d = out.data();
        byte[] o = over.data();
        for (int i = 0; i < d.length; i++) {
            if ((o[i] & 0xff) != LabelMap.VOID) {
                d[i] = o[i];
            }
        }
        return out;
    }
}
