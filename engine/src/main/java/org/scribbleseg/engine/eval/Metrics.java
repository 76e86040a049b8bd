package org.scribbleseg.engine.eval;

import org.scribbleseg.engine.image.LabelMap;

/**
 * Confusion matrix over label values 0..K-1 and the IoU metrics derived from it. Ground-truth pixels equal to
 * {@link LabelMap#VOID} are ignored; a prediction outside 0..K-1 (e.g. void) counts as a miss of the true class
 * (a false negative, charged to no other class).
 */
public final class Metrics {

    private final int numClasses;
    private final long[] matrix; // [gt * K + pred]
    private final long[] missed;

    public Metrics(int numClasses) {
        if (numClasses < 1 || numClasses > 255) {
            throw new IllegalArgumentException("numClasses must be 1..255: " + numClasses);
        }
        this.numClasses = numClasses;
        this.matrix = new long[numClasses * numClasses];
        this.missed = new long[numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    public void add(int gt, int pred) {
        if (gt == LabelMap.VOID || gt >= numClasses) {
            return;
        }
        if (pred < 0 || pred >= numClasses) {
            missed[gt]++;
        } else {
            matrix[gt * numClasses + pred]++;
        }
    }

    /** Adds every pixel of a ground-truth / prediction pair of equal size. */
    public Metrics add(LabelMap gt, LabelMap pred) {
        if (gt.width() != pred.width() || gt.height() != pred.height()) {
            throw new IllegalArgumentException("size mismatch: " + gt + " vs " + pred);
        }
        byte[] g = gt.data();
        byte[] p = pred.data();
        for (int i = 0; i < g.length; i++) {
            add(g[i] & 0xff, p[i] & 0xff);
        }
        return this;
    }

    /** Pixels with ground truth gt predicted as pred. */
    public long count(int gt, int pred) {
        return matrix[gt * numClasses + pred];
    }

    /** IoU of class c = TP / (TP + FP + FN), or NaN when the class is neither in the ground truth nor predicted. */
    public double iou(int c) {
        long tp = matrix[c * numClasses + c];
        long fn = missed[c];
        long fp = 0;
        for (int j = 0; j < numClasses; j++) {
            if (j != c) {
                fn += matrix[c * numClasses + j];
                fp += matrix[j * numClasses + c];
            }
        }
        long union = tp + fp + fn;
        return union == 0 ? Double.NaN : (double) tp / union;
    }

    /** Mean IoU over the classes whose IoU is defined. NaN when none is. */
    public double meanIoU() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < numClasses; c++) {
            double v = iou(c);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Fraction of non-void ground-truth pixels predicted correctly. */
    public double pixelAccuracy() {
        long ok = 0;
        long all = 0;
        for (int g = 0; g < numClasses; g++) {
            all += missed[g];
            for (int p = 0; p < numClasses; p++) {
                all += matrix[g * numClasses + p];
            }
            ok += matrix[g * numClasses + g];
        }
        return all == 0 ? Double.NaN : (double) ok / all;
    }
}
