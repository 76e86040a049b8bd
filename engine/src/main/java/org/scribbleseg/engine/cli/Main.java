package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code scribbleseg <command> ...}: the headless CLI. Exit codes: 0 ok, 2 usage, 1 failure (one-line reason on
 * stderr).
 */
@Command(name = "scribbleseg", mixinStandardHelpOptions = true, version = "ScribbleSeg 0.1.0",
        description = "Turn cheap labels into segmentation datasets (headless commands).",
        subcommands = {
            CommandLine.HelpCommand.class,
            InitCommand.class,
            InfoCommand.class,
            ImportCommand.class,
            ExportCommand.class,
            ImportVocCommand.class,
            ImagesCommand.class,
            HeadCommands.Train.class,
            HeadCommands.Predict.class,
            HeadCommands.Eval.class,
            HeadCommands.Suggest.class,
            BenchCommand.class,
            CheckModelCommand.class,
            ModelsCommand.class,
            ZeroShotCommand.class,
            PretrainCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI in-process (tests use this) and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Defaults.applyOfflineDefaults();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println("error: " + msg.lines().findFirst().orElse(msg));
            if (Boolean.getBoolean("scribbleseg.debug")) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see --help)");
    }
}
