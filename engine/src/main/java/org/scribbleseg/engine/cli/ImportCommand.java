package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.image.ImportReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "import", description = "Add image files or folders (recursive) to a project. "
        + "Undecodable files and duplicates are reported and skipped.")
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Parameters(index = "1..*", arity = "1..*", description = "image files or folders")
    List<Path> inputs;

    @picocli.CommandLine.Option(names = "--max-megapixels", paramLabel = "MP", description = "refuse images larger than this "
            + "(default: the project setting " + org.scribbleseg.engine.image.ImageLimits.SETTING + ", else "
            + "100 MP); saved as the project setting")
    Double maxMegapixels;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        for (Path in : inputs) {
            if (!java.nio.file.Files.exists(in)) {
                throw new org.scribbleseg.engine.project.ProjectException(in + ": no such file or folder. Nothing was imported.");
            }
        }
        if (maxMegapixels != null && !(maxMegapixels > 0)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-megapixels must be a positive number");
        }
        ImportReport r;
        try (Engine engine = Engine.open(ProjectOptions.locate(project))) {
            ProjectOptions.printNotices(engine.store(), err);
            if (maxMegapixels != null) {
                engine.store().setSetting(org.scribbleseg.engine.image.ImageLimits.SETTING, Double.toString(maxMegapixels));
            }
            r = engine.importImages(inputs, org.scribbleseg.engine.util.TaskMonitor.NONE);
        }
        for (var s : r.skipped()) {
            err.printf("skipped %s: %s%n", s.path(), s.reason());
        }
        for (var d : r.duplicates()) {
            err.printf("duplicate %s: same content as %s%n", d.path(), d.firstPath() == null ? "an image already in the project" : d.firstPath());
        }
        out.println(r.summary());
        return 0;
    }
}
