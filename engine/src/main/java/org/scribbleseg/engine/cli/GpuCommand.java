package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.gpu.DeviceChoice;
import org.scribbleseg.engine.gpu.DeviceSpec;
import org.scribbleseg.engine.gpu.GpuInstaller;
import org.scribbleseg.engine.gpu.GpuProbe;
import org.scribbleseg.engine.gpu.GpuRuntime;
import org.scribbleseg.engine.project.ProjectException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code scribbleseg gpu status|install|use}: the GPU runtime of the worker process. */
@Command(name = "gpu", mixinStandardHelpOptions = true, description = "GPU runtime for heavy jobs: status, install (download cu128 libtorch), use <libtorch-dir>.",
        subcommands = {GpuCommand.Status.class, GpuCommand.Install.class, GpuCommand.Use.class})
public final class GpuCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a gpu command: status, install or use");
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "The NVIDIA driver, CUDA runtime and GPUs found, the GPU runtime installed, and whether heavy jobs would use the GPU (and why not).")
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            GpuProbe d = GpuProbe.detectDriver();
            o.println("CUDA driver:  " + (d.cuda() ? "found, CUDA " + GpuProbe.version(d.cudaVersion()) : "not found (" + d.driverError() + ")"));
            o.println("GPUs:         " + (d.gpus().isEmpty() ? "none" : String.join("; ", d.gpus())));
            o.println("runtime:      " + GpuRuntime.describe());
            String why = GpuRuntime.whyNotGpu(d);
            o.println("heavy jobs:   " + (why == null ? "would run on GPU 0" : "run on the CPU: " + why));
            o.println("interactive:  the app and the live head always use the bundled CPU libtorch");
            return 0;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true, description = "Download DJL's CUDA 12.8 libtorch " + GpuRuntime.PYTORCH_VERSION + " (about 2.5 GB) into DJL's cache and use it for heavy jobs. Needs the network; Ctrl-C cancels (nothing half-installed is kept).")
    public static final class Install implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--mirror", description = "base URL that serves DJL's files instead of " + GpuInstaller.DJL_BASE + " (same layout)")
        String mirror;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            String m = mirror != null ? mirror : System.getProperty("scribbleseg.gpu.mirror");
            Path dir;
            try {
                dir = GpuInstaller.install(m, line -> {
                    err.println(line);
                    err.flush();
                });
            } catch (java.io.IOException e) {
                throw new ProjectException(e.getMessage(), e);
            }
            spec.commandLine().getOut().println("installed the GPU runtime in " + dir + "; heavy jobs use it from their next start");
            GpuProbe d = GpuProbe.detectDriver();
            String why = GpuRuntime.whyNotGpu(d);
            if (why != null) {
                spec.commandLine().getOut().println("note: heavy jobs still run on the CPU here: " + why);
            }
            return 0;
        }
    }

    @Command(name = "use", description = "Use a libtorch you already have (a folder with libtorch.so, libtorch_cuda.so, ... for PyTorch " + GpuRuntime.PYTORCH_VERSION + "); --cpu forgets it.")
    public static final class Use implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", description = "libtorch folder (its lib/ subfolder is accepted too)")
        Path dir;

        @Option(names = "--flavor", defaultValue = GpuRuntime.FLAVOR, description = "DJL flavor of that libtorch (default ${DEFAULT-VALUE})")
        String flavor;

        @Option(names = "--version", defaultValue = GpuRuntime.PYTORCH_VERSION, description = "its PyTorch version (default ${DEFAULT-VALUE})")
        String version;

        @Option(names = "--cpu", description = "forget the configured runtime: heavy jobs use the bundled CPU libtorch")
        boolean cpu;

        @Override
        public Integer call() throws Exception {
            if (cpu) {
                GpuRuntime.clear();
                spec.commandLine().getOut().println("heavy jobs use the bundled CPU libtorch");
                return 0;
            }
            if (dir == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "name a libtorch folder (or --cpu)");
            }
            Path d = dir.toAbsolutePath().normalize();
            if (Files.isDirectory(d.resolve("lib")) && !Files.isRegularFile(d.resolve("libtorch.so"))) {
                d = d.resolve("lib");
            }
            if (!Files.isDirectory(d)) {
                throw new ProjectException("no folder " + d);
            }
            List<String> missing = GpuRuntime.missing(d);
            if (missing.contains("libtorch.so") || missing.contains("libtorch_cpu.so")) {
                throw new ProjectException(d + " is not a libtorch folder (no " + String.join(", ", missing) + ")");
            }
            GpuRuntime.configure(d, "use", version, flavor);
            PrintWriter o = spec.commandLine().getOut();
            o.println("heavy jobs use libtorch " + version + " " + flavor + " in " + d);
            if (!missing.isEmpty()) {
                o.println("note: it has no CUDA libraries (" + String.join(", ", missing) + "): heavy jobs will run on the CPU with it");
            }
            DeviceChoice c = DeviceChoice.choose(DeviceSpec.AUTO, new GpuProbe(GpuProbe.detectDriver().cuda(), GpuProbe.detectDriver().cudaVersion(),
                    GpuProbe.detectDriver().gpus(), missing.isEmpty(), null, GpuProbe.detectDriver().driverError()));
            o.println("heavy jobs: " + c.reason());
            return 0;
        }
    }
}
