package org.scribbleseg.engine.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.scribbleseg.engine.gpu.DeviceSpec;
import org.scribbleseg.engine.heavy.WorkerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scribbleseg worker}: the heavy-job process. The engine starts it as a child JVM and talks to it with JSON
 * lines on stdin/stdout (docs/WORKER.md); a user can run it by hand to try the protocol. Logs go to stderr.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, description = "Run heavy training jobs for the engine: JSON commands on stdin, JSON events on stdout (docs/WORKER.md).")
public final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--device", defaultValue = "auto", description = "auto (default), cpu, gpu or gpu:N; a job's own device wins")
    String device;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: the process's setting, else all cores)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        DeviceSpec spec = DeviceSpec.parse(device);
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1");
            }
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // stdout carries only protocol lines: anything else printing to System.out goes to stderr
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        return new WorkerServer(protocol, spec).serve(System.in);
    }
}
