package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.project.ProjectCreation;
import org.scribbleseg.engine.project.ProjectStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "import-voc", description = "Read a VOC folder (ours or anyone's) into a new or existing project: "
        + "images, classes (labelmap.txt or the 21 VOC names), masks as accepted masks, splits.")
public final class ImportVocCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "VOC folder (holding JPEGImages, or VOCdevkit/VOC<YEAR>)")
    Path voc;

    @Parameters(index = "1", description = "project folder (created when it does not exist)")
    Path project;

    @Override
    public Integer call() throws Exception {
        Path p = ProjectOptions.locate(project);
        String summary;
        if (ProjectStore.isProject(p)) {
            try (Engine engine = Engine.open(p)) {
                ProjectOptions.printNotices(engine.store(), spec.commandLine().getErr());
                summary = engine.importVoc(voc);
            }
        } else {
            // a new project is made whole or not at all: a failed import leaves nothing behind
            summary = ProjectCreation.create(p, store -> Engine.importVoc(store, voc));
        }
        spec.commandLine().getOut().println(summary);
        return 0;
    }
}
