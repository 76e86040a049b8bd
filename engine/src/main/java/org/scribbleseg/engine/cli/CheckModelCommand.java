package org.scribbleseg.engine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.model.GradCheck;
import org.scribbleseg.engine.model.ModelCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg check-model <model-dir> --cases <cases.safetensors>}: runs a DINOv2 or CLIP model folder on
 * golden cases and prints one line per compared tensor (max abs error, PASS/FAIL), then the skipped tensors.
 * {@code --grad <fixture-dir | cases.safetensors>} does the same for a gradient fixture ({@link GradCheck}: loss,
 * input / position / weight gradients, two AdamW steps). Exit code 1 when any tensor fails or nothing could be
 * compared; 2 for usage errors.
 */
@Command(name = "check-model", mixinStandardHelpOptions = true,
        description = "Compare a model folder (config.json + model.safetensors) with golden cases, tensor by tensor.")
public final class CheckModelCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<model-dir>", description = "folder with config.json and model.safetensors")
    Path modelDir;

    @Option(names = "--cases", paramLabel = "<cases.safetensors>",
            description = "golden inputs and outputs (X.input, X.input_ids, ...)")
    Path cases;

    @Option(names = "--grad", paramLabel = "<fixture>",
            description = "gradient fixture (folder with cases.safetensors, or the file): gradients and AdamW steps")
    Path grad;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!Files.isRegularFile(modelDir.resolve("config.json")) || !Files.isRegularFile(modelDir.resolve("model.safetensors"))) {
            err.println("error: " + modelDir + " needs config.json and model.safetensors");
            return 1;
        }
        if ((cases == null) == (grad == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --cases or --grad");
        }
        Path golden = cases != null ? cases : grad;
        if (!Files.exists(golden) || (Files.isDirectory(golden) && !Files.isRegularFile(golden.resolve("cases.safetensors")))) {
            err.println("error: " + golden + ": no cases.safetensors there");
            return 1;
        }
        if (grad != null) {
            return gradCheck(out, err);
        }
        ModelCheck.Report r = ModelCheck.run(modelDir, cases);
        out.printf("model_type %s, tolerance |ours - ref| <= %.0e + %.0e*|ref|%n", r.modelType(), ModelCheck.ATOL,
                ModelCheck.RTOL);
        for (ModelCheck.Result res : r.results()) {
            out.printf("%-32s %-14s max_abs_err %.3e  %s%s%n", res.tensor(), ModelCheck.shape(res.shape()),
                    res.maxAbsError(), res.pass() ? "PASS" : "FAIL", res.note().isEmpty() ? "" : " (" + res.note() + ")");
        }
        for (String s : r.skipped()) {
            out.println("skipped " + s + " (not produced by this model)");
        }
        long failed = r.results().stream().filter(x -> !x.pass()).count();
        out.printf("%d compared, %d failed, %d skipped; max abs err %.3e%n", r.results().size(), failed,
                r.skipped().size(), r.maxAbsError());
        if (!r.ok()) {
            err.println(r.results().isEmpty() ? "error: no tensor could be compared" : "error: " + failed + " tensor(s) out of tolerance");
            return 1;
        }
        return 0;
    }

    private int gradCheck(java.io.PrintWriter out, java.io.PrintWriter err) {
        GradCheck.Report r = GradCheck.run(modelDir, grad);
        out.printf("model_type %s, gradients |ours - ref| <= %.0e + %.0e*|ref|, AdamW steps <= %.0e (key biases end-to-end %.0e)%n",
                r.modelType(), GradCheck.GRAD_ATOL, GradCheck.GRAD_RTOL, GradCheck.STEP_ATOL, GradCheck.KEY_BIAS_ATOL);
        for (GradCheck.Result res : r.results()) {
            out.printf("%-72s %-14s max_abs_err %.3e  %s%s%n", res.tensor(), ModelCheck.shape(res.shape()),
                    res.maxAbsError(), res.pass() ? "PASS" : "FAIL", res.note().isEmpty() ? "" : " (" + res.note() + ")");
        }
        for (String s : r.skipped()) {
            out.println("skipped " + s + " (not compared)");
        }
        long failed = r.results().stream().filter(x -> !x.pass()).count();
        out.printf("%d compared, %d failed, %d skipped%n", r.results().size(), failed, r.skipped().size());
        if (!r.ok()) {
            err.println(r.results().isEmpty() ? "error: no tensor could be compared" : "error: " + failed + " tensor(s) out of tolerance");
            return 1;
        }
        return 0;
    }
}
