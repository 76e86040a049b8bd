package org.scribbleseg.engine.eval;

import java.util.SplittableRandom;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.FeatureMap;
import org.scribbleseg.engine.image.RgbImage;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.nn.VitPreprocess;

/**
 * A timing stand-in for a ViT backbone in benchmarks: the map has exactly the shape the ViT would give (its channel
 * count, and the patch grid of the image resized to {@code resolution} on the long side), but is computed in
 * milliseconds: the classic filter bank, averaged over each patch cell, then mapped to {@code channels} by a fixed
 * seeded random matrix plus a little noise. The live head's cost depends on the shape, not on what the numbers mean,
 * and unlike random ViT weights these features still separate the classes a little, so the head's iterations behave
 * as on a learnable signal. Never a model: its key says {@code -projected}.
 */
public final class ProjectedFeatures implements Backbone {
    private final ClassicBackbone classic;
    private final String name;
    private final int channels;
    private final int resolution;
    private final int patch;
    private final float[] projection;
    private final long seed;

    public ProjectedFeatures(String name, int channels, int resolution, int patch, long seed) {
        this.classic = new ClassicBackbone(patch >= 8 ? 8 : patch);
        this.name = name;
        this.channels = channels;
        this.resolution = resolution;
        this.patch = patch;
        this.seed = seed;
        this.projection = new float[channels * classic.channels()];
        SplittableRandom r = new SplittableRandom(seed);
        double scale = 1 / Math.sqrt(classic.channels());
        for (int i = 0; i < projection.length; i++) {
            projection[i] = (float) (r.nextGaussian() * scale);
        }
    }

    @Override
    public String key() {
        return name + "-projected@" + resolution;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int stride() {
        return patch;
    }

    @Override
    public FeatureMap features(RgbImage image) {
        int[] t = VitPreprocess.targetSize(image.width(), image.height(), resolution, patch);
        int gw = t[0] / patch;
        int gh = t[1] / patch;
        FeatureMap base = classic.features(image);
        int bc = base.channels();
        int bh = base.height();
        int bw = base.width();
        float[] pooled = new float[bc * gh * gw];
        int[] count = new int[gh * gw];
        for (int y = 0; y < bh; y++) {
            int gy = Math.min(gh - 1, y * gh / bh);
            for (int x = 0; x < bw; x++) {
                int gx = Math.min(gw - 1, x * gw / bw);
                count[gy * gw + gx]++;
                for (int c = 0; c < bc; c++) {
                    pooled[(c * gh + gy) * gw + gx] += base.data()[(c * bh + y) * bw + x];
                }
            }
        }
        int cells = gh * gw;
        float[] out = new float[channels * cells];
        SplittableRandom noise = new SplittableRandom(seed ^ image.width() * 31L ^ image.height());
        for (int i = 0; i < cells; i++) {
            float inv = count[i] == 0 ? 0 : 1f / count[i];
            for (int o = 0; o < channels; o++) {
                double s = 0;
                for (int c = 0; c < bc; c++) {
                    s += projection[o * bc + c] * pooled[c * cells + i] * inv;
                }
                out[o * cells + i] = (float) (s + 0.05 * noise.nextGaussian());
            }
        }
        return new FeatureMap(channels, gh, gw, out);
    }

    @Override
    public void close() {
        classic.close();
    }
}
