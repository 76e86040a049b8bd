package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ExportResult;
import org.scribbleseg.engine.export.VocExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export", description = "Export PASCAL VOC: JPEGImages, SegmentationClass (palette PNG), ImageSets, labelmap.txt. "
        + "Written to a temporary folder and renamed when complete.")
public final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Parameters(index = "1", description = "output folder")
    Path out;

    @Option(names = "--include", defaultValue = "done", description = "done (accepted masks, default), predicted "
            + "(also the current model's masks for the rest), sparse (scribbles and points only, 255 elsewhere)")
    String include;

    @Option(names = "--devkit", paramLabel = "YEAR", description = "VOCdevkit/VOC<YEAR>/ layout")
    Integer devkit;

    @Option(names = "--overwrite", description = "replace an existing non-empty output folder")
    boolean overwrite;

    @Option(names = "--skip-changed", description = "leave out images whose file changed on disk since import (or is missing) "
            + "instead of refusing to export")
    boolean skipChanged;

    @Override
    public Integer call() throws Exception {
        ExportMode mode;
        try {
            mode = ExportMode.valueOf(include.strip().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--include must be done, predicted or sparse, not '" + include + "'");
        }
        var err = spec.commandLine().getErr();
        ExportResult r;
        try (Engine engine = Engine.open(ProjectOptions.locate(project))) {
            ProjectOptions.printNotices(engine.store(), err);
            if (mode == ExportMode.PREDICTED && !engine.trainNow()) {
                err.println("warning: nothing is labelled, so there is no model to predict with; exporting accepted masks only");
            }
            VocExporter.Options opt = VocExporter.Options.of(out, mode).withDevkit(devkit).withOverwrite(overwrite);
            r = engine.exportVoc(opt, (done, total, name) -> {
                if (done == total || done % 100 == 0) {
                    err.printf("\rexported %d/%d", done, total);
                    if (done == total) {
                        err.println();
                    }
                }
            }, skipChanged);
        }
        for (String w : r.warnings()) {
            err.println("warning: " + w);
        }
        spec.commandLine().getOut().printf("exported %d images (%d train, %d val, %d predicted) to %s%n", r.images(), r.train(),
                r.val(), r.predicted(), r.datasetRoot());
        return 0;
    }
}
