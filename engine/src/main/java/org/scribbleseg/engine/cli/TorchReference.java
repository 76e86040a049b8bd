package org.scribbleseg.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's PyTorch reference ({@code bench/torch_reference.py}) as a child process, for benchmarks that
 * report their time as a ratio to PyTorch doing the same work in the same run. Needs a Python with torch (e.g.
 * Debian's {@code python3-torch}); nothing is downloaded.
 */
final class TorchReference {
    static final String SCRIPT = "bench/torch_reference.py";

    private TorchReference() {
    }

    /** The benchmarks' --compare-torch options. */
    static final class Options {
        @picocli.CommandLine.Option(names = "--compare-torch",
                description = "also run the PyTorch reference (bench/torch_reference.py) and report the ratio")
        boolean compareTorch;

        @picocli.CommandLine.Option(names = "--python", defaultValue = "python3",
                description = "Python with torch for --compare-torch (default: ${DEFAULT-VALUE})")
        String python;

        @picocli.CommandLine.Option(names = "--torch-script",
                description = "path of bench/torch_reference.py (default: found from the working directory)")
        Path torchScript;

        /** The reference's JSON for {@code args}, or null without --compare-torch. */
        JsonNode run(List<String> args) throws IOException, InterruptedException {
            if (!compareTorch) {
                return null;
            }
            return TorchReference.run(python, torchScript != null ? torchScript : findScript(), args, 3600);
        }
    }

    /** {@code bench/torch_reference.py} in the working directory or the nearest parent that has it. */
    static Path findScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve(SCRIPT);
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalArgumentException(SCRIPT + " not found from " + Path.of("").toAbsolutePath()
                + " upwards; run from the repository or give --torch-script");
    }

    /** Runs the script with {@code args}; returns its JSON line. Fails with the script's own error text. */
    static JsonNode run(String python, Path script, List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + python + ": " + e.getMessage(), e);
        }
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IOException("PyTorch reference timed out after " + timeoutSeconds + " s");
            }
        } finally {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
            throw new IOException("PyTorch reference failed (exit " + p.exitValue() + "): " + last);
        }
        String line = text.substring(text.lastIndexOf('\n') + 1);
        return new ObjectMapper().readTree(line);
    }

    /** Peak resident set of this process in MiB (VmHWM), NaN where /proc is not available. */
    static double peakRssMb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
