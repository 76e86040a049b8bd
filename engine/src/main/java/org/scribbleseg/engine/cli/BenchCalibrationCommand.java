package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.eval.CalibrationBenchmark;
import org.scribbleseg.engine.eval.LabeledImage;
import org.scribbleseg.engine.eval.VocDataset;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.predict.Calibration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench calibration}: ECE (15 bins) of the live head on unlabelled images, before and after temperature scaling. */
@Command(name = "calibration", mixinStandardHelpOptions = true,
        description = "Expected calibration error (15 bins) of the live head on the val images of a VOC dataset nobody labelled: "
                + "before, and after a temperature fitted on labelled pixels held out from training (simulated scribbles on the train images, classic backbone).")
public final class BenchCalibrationCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, description = "VOC-layout dataset (JPEGImages, SegmentationClass, ImageSets/Segmentation/{train,val}.txt), read in place")
    Path data;

    @Option(names = "--train", defaultValue = "12", description = "Images scribbled on, evenly from the train split. Default ${DEFAULT-VALUE}.")
    int train;

    @Option(names = "--val", defaultValue = "12", description = "Unlabelled images scored, evenly from the val split (0 = all). Default ${DEFAULT-VALUE}.")
    int val;

    @Option(names = "--corrections", defaultValue = "2", description = "Correction rounds after the first pass of scribbles. Default ${DEFAULT-VALUE}.")
    int corrections;

    @Option(names = "--threshold", defaultValue = "0.6", description = "Confidence below which the overlay hides pixels of unlabelled images. Default ${DEFAULT-VALUE}.")
    double threshold;

    @Option(names = "--stride", defaultValue = "4", description = "Classic backbone stride. Default ${DEFAULT-VALUE}.")
    int stride;

    @Option(names = "--seed", defaultValue = "1", description = "Annotator seed. Default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(data.resolve("SegmentationClass"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), data + " is no VOC dataset (no SegmentationClass folder)");
        }
        if (train < 1 || val < 0 || corrections < 0 || threshold < 0 || threshold > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--train ≥ 1, --val ≥ 0, --corrections ≥ 0, 0 ≤ --threshold ≤ 1");
        }
        VocDataset ds = new VocDataset(data);
        List<LabeledImage> tr = ds.load("train", train);
        List<LabeledImage> va = ds.load("val", val);
        LabeledImage first = tr.get(0);
        int minArea = Math.max(30, first.image().width() * first.image().height() / 2000);
        err.printf("dataset %s: %d classes, %d train, %d val images%n", data, ds.classNames().size(), tr.size(), va.size());
        CalibrationBenchmark.Result r;
        try (ClassicBackbone bb = new ClassicBackbone(stride)) {
            r = new CalibrationBenchmark(bb).run(tr, va, corrections, minArea, seed, threshold, json ? err::println : out::println);
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("dataset", data.toString());
            doc.put("backbone", "classic@s" + stride);
            doc.put("train_images", tr.size());
            doc.put("val_images", va.size());
            doc.put("strokes", r.strokes());
            doc.put("labelled_pixels", r.labelledPixels());
            doc.put("bins", Calibration.ECE_BINS);
            doc.put("holdout", "one " + Calibration.BLOCK + "x" + Calibration.BLOCK + " px block in " + Calibration.HOLD_EVERY
                    + " of each image's labelled pixels (classes with >= " + Calibration.MIN_BLOCKS + " blocks)");
            doc.put("temperature", round(r.temperature()));
            doc.put("held_out_samples", r.heldOutSamples());
            doc.put("fit_ms", round(r.fitMs()));
            doc.put("train_ms_reference", round(r.trainMs()));
            doc.put("warm_train_ms_reference", round(r.warmTrainMs()));
            doc.put("before", figures(r.before()));
            doc.put("split_uncalibrated", figures(r.split()));
            doc.put("after", figures(r.after()));
            Map<String, Object> fade = new LinkedHashMap<>();
            fade.put("threshold", r.threshold());
            fade.put("shown_share", round(r.shownShare()));
            fade.put("shown_accuracy", round(r.shownAccuracy()));
            fade.put("hidden_accuracy", round(r.hiddenAccuracy()));
            doc.put("overlay", fade);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            out.printf("ECE (15 bins) on %d unlabelled images: before %.4f, after %.4f (T = %.3f)%n", va.size(), r.before().ece(),
                    r.after().ece(), r.temperature());
            out.printf("overlay at confidence >= %.2f: %.1f %% of pixels shown (accuracy %.3f), hidden ones accuracy %.3f%n",
                    r.threshold(), 100 * r.shownShare(), r.shownAccuracy(), r.hiddenAccuracy());
        }
        out.flush();
        return 0;
    }

    private static Map<String, Object> figures(CalibrationBenchmark.Figures f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ece", round(f.ece()));
        m.put("accuracy", round(f.accuracy()));
        m.put("mean_confidence", round(f.meanConfidence()));
        m.put("pixels", f.pixels());
        return m;
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10000) / 10000.0;
    }
}
