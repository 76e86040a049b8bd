package org.scribbleseg.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code scribbleseg bench <what>}: benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchBackboneCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a benchmark is required (see bench --help)");
    }
}
