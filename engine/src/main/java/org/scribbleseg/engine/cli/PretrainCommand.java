package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.Backbones;
import org.scribbleseg.engine.heavy.DdepJob;
import org.scribbleseg.engine.heavy.SimMimJob;
import org.scribbleseg.engine.project.RunRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg pretrain <project> --method simmim|ddep [--device auto|cpu|gpu] [--budget 30m] [--resume RUN]}:
 * learns from the project's own images, no labels needed, as a heavy run in a worker process (pausable,
 * checkpointed, resumable, recorded in the project's run table). simmim: a ViT learnt from scratch with SimMIM
 * ({@link SimMimJob}); the run becomes the backbone {@code project-vit:<run>}. ddep: a DDeP decoder over the
 * project's backbone, denoising-pretrained for the budget, then fine-tuned on the project's labels
 * ({@link DdepJob}); the run becomes the predictor "sharp decoder".
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain on the project's own images (no labels), in a worker process: simmim = a ViT learnt from"
                + " the images (becomes the backbone project-vit:<run>); ddep = a sharp decoder over the backbone,"
                + " denoising-pretrained, then fine-tuned on the project's labels.")
public final class PretrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "project folder")
    Path project;

    @Option(names = "--method", required = true, description = "simmim or ddep.")
    String method;

    @Option(names = "--budget", defaultValue = "30m", converter = Budget.Converter.class,
            description = "Wall-time budget of the pretraining (90s, 5m, 1h30m); the step count is measured from it"
                    + " when the run starts. Default ${DEFAULT-VALUE}.")
    Budget budget;

    @Option(names = "--resume", paramLabel = "RUN", description = "Continue run RUN from its last checkpoint.")
    String resume;

    @Option(names = "--backbone", description = "ddep: the backbone under the decoder (default: the project's setting).")
    String backbone;

    @Option(names = "--device", defaultValue = "auto", description = "auto (the project's 'heavy jobs on' setting, else a"
            + " usable GPU, else the CPU), cpu or gpu[:N]. Default ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--ft-steps", defaultValue = "300", description = "ddep: fine-tuning steps on the labels after the"
            + " pretraining (0: none). Default ${DEFAULT-VALUE}.")
    int ftSteps;

    @Option(names = "--seed", defaultValue = "3", description = "Seed of the weights and of every draw. Default ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String m = method.strip().toLowerCase(Locale.ROOT);
        if (!m.equals("simmim") && !m.equals("ddep")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--method must be simmim or ddep, not '" + method + "'");
        }
        ObjectNode cfg = new ObjectMapper().createObjectNode().put("seed", seed).put("budget_s", Math.max(1, budget.seconds()));
        if (m.equals("simmim")) {
            if (ftSteps != 300 || backbone != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ft-steps and --backbone are for ddep: simmim"
                        + " learns a backbone of its own");
            }
        } else {
            if (ftSteps < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ft-steps must be >= 0");
            }
            cfg.put("finetune_steps", ftSteps);
            if (backbone != null) {
                cfg.put("backbone", backbone);
            }
        }
        RunRecord r;
        try (org.scribbleseg.engine.Engine engine = org.scribbleseg.engine.Engine.open(ProjectOptions.locate(project))) {
            r = HeavyTrain.runAndWait(engine, resume == null ? m : null, cfg, device, resume, 0, spec.commandLine().getErr());
        }
        if (r.state().equals(RunRecord.CANCELLED)) {
            throw new org.scribbleseg.engine.project.ProjectException("run " + r.id() + " was stopped at step " + r.step()
                    + "; continue with --resume " + r.id());
        }
        out.printf("trained %s run %s: %d steps on %s -> %s%n", r.method(), r.id(), r.step(), r.device(), r.checkpoint());
        if (r.metricsJson() != null && !r.metricsJson().isBlank()) {
            out.printf("metrics: %s%n", r.metricsJson());
        }
        if (r.method().equals(SimMimJob.METHOD)) {
            Path preview = Path.of(r.checkpoint()).getParent().resolve(SimMimJob.PREVIEW);
            out.printf("reconstruction preview (masked input | reconstruction | original): %s%n", preview);
            out.printf("use it as the backbone: --backbone %s%s, or choose it in Project settings%n", Backbones.PROJECT_VIT, r.id());
        } else {
            out.println("the sharp decoder takes over the overlay when it beats the live head on the masks you accept next");
        }
        out.flush();
        return 0;
    }
}
