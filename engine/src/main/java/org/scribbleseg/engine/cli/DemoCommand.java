package org.scribbleseg.engine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.project.ProjectException;
import org.scribbleseg.engine.project.WorkingCopies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", description = "Prints the working copy of the demo (or another template) project in the user data folder, "
        + "making it on first use; --reset replaces it with a fresh copy. The template in the repository is never written to.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", description = "template project (default: projects/demo/demo.sseg)")
    Path template = Path.of("projects", "demo", "demo.sseg");

    @Option(names = "--reset", description = "replace the working copy with a fresh one (close the app on it first)")
    boolean reset;

    @Override
    public Integer call() {
        if (!WorkingCopies.isTemplate(template)) {
            throw new ProjectException(template + " is not a template project (no " + WorkingCopies.MARKER + " file in it)");
        }
        Path copy = reset ? WorkingCopies.reset(template) : WorkingCopies.resolve(template);
        spec.commandLine().getOut().println((reset ? "fresh working copy: " : "working copy: ") + copy);
        return 0;
    }
}
