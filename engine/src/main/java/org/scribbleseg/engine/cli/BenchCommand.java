package org.scribbleseg.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code scribbleseg bench <what>}: benchmarks that print figures (and JSON with --json). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {
    BenchStoreCommand.class,
    BenchCacheCommand.class,
    BenchEffortCommand.class,
    BenchExportCommand.class,
    BenchLiveCommand.class,
    BenchBackboneCommand.class,
    BenchTrainStepCommand.class,
    BenchSemiVlCommand.class,
    BenchCalibrationCommand.class,
    BenchMemoryCommand.class,
    BenchZeroSegCommand.class,
})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a benchmark (see bench --help)");
    }
}
