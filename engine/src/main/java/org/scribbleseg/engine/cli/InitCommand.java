package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.export.ClassPresets;
import org.scribbleseg.engine.project.ProjectCreation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "init", description = "Create a new project folder (conventionally <name>.sseg).")
public final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "project folder to create")
    Path dir;

    @Option(names = "--classes", arity = "1..*", description = "'voc' for the 21 VOC classes, or class names "
            + "(comma or space separated; 'background' is added as index 0 unless named)")
    List<String> classes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // all or nothing: a bad class list leaves no stub project behind to block the retry
        int added = ProjectCreation.create(dir, s -> classes.isEmpty() ? 0 : ClassPresets.apply(s, classes).size());
        spec.commandLine().getOut().printf("created project %s with %d classes%n", dir.toAbsolutePath().normalize(), added);
        return 0;
    }
}
