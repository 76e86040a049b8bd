package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.project.ClassPresets;
import org.scribbleseg.engine.project.ProjectStore;
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
    public Integer call() {
        try (ProjectStore s = ProjectStore.create(dir)) {
            List<ClassDef> added = classes.isEmpty() ? List.of() : ClassPresets.apply(s, classes);
            spec.commandLine().getOut().printf("created project %s with %d classes%n", s.root(), added.size());
        }
        return 0;
    }
}
