package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import java.util.List;
import org.scribbleseg.engine.export.VocFormatException;
import org.scribbleseg.engine.project.ProjectException;
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
            DemoCommand.class,
            WorkerCommand.class,
            GpuCommand.class,
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
        addHelpOptions(cl); // `scribbleseg <command> --help` prints the command's usage and exits 0
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            List<String> lines = msg.lines().toList();
            cmd.getErr().println("error: " + (lines.isEmpty() ? msg : lines.get(0)));
            if (ex instanceof VocFormatException || ex instanceof ProjectException) {
                // a list of problems (each file and reason, capped with a count by whoever made it)
                lines.stream().skip(1).limit(25).forEach(l -> cmd.getErr().println(l));
            }
            if (Boolean.getBoolean("scribbleseg.debug")) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError oom) {
            // never a trace: say what ran out and what to do
            err.println("error: not enough memory (" + oom.getMessage() + "): the images may be too large (see import "
                    + "--max-megapixels), or give Java more memory (JAVA_OPTS=-Xmx...)");
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    private static void addHelpOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                if (spec.findOption("--version") == null && spec.findOption("-V") == null && spec.findOption("-h") == null) {
                    spec.mixinStandardHelpOptions(true);
                } else {
                    // the command has its own --version (e.g. a model version) or -h: add just --help (and -h if free)
                    String[] names = spec.findOption("-h") == null ? new String[] {"-h", "--help"} : new String[] {"--help"};
                    spec.addOption(CommandLine.Model.OptionSpec.builder(names).usageHelp(true)
                            .description("Show this help message and exit.").build());
                }
            }
            addHelpOptions(sub);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see --help)");
    }
}
