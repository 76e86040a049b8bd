package org.scribbleseg.engine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.model.ModelCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scribbleseg check-model <model-dir> --cases <cases.safetensors>}: runs a DINOv2 or CLIP model folder on
 * golden cases and prints one line per compared tensor (max abs error, PASS/FAIL), then the skipped tensors.
 * Exit code 1 when any tensor fails or nothing could be compared.
 */
@Command(name = "check-model", mixinStandardHelpOptions = true,
        description = "Compare a model folder (config.json + model.safetensors) with golden cases, tensor by tensor.")
public final class CheckModelCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<model-dir>", description = "folder with config.json and model.safetensors")
    Path modelDir;

    @Option(names = "--cases", required = true, paramLabel = "<cases.safetensors>",
            description = "golden inputs and outputs (X.input, X.input_ids, ...)")
    Path cases;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!Files.isRegularFile(modelDir.resolve("config.json")) || !Files.isRegularFile(modelDir.resolve("model.safetensors"))) {
            err.println("error: " + modelDir + " needs config.json and model.safetensors");
            return 1;
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
}
