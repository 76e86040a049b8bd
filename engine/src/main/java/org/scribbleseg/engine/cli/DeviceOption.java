package org.scribbleseg.engine.cli;

import java.io.PrintWriter;
import org.scribbleseg.engine.gpu.DeviceChoice;
import org.scribbleseg.engine.gpu.ProcessDevice;
import picocli.CommandLine.Option;

/** {@code --device auto|cpu|gpu[:N]} for commands that compute with DJL in this process. */
public final class DeviceOption {
    @Option(names = "--device", description = "auto (default), cpu, gpu or gpu:N; when a GPU cannot be used the CPU is, and the reason is printed")
    String device;

    /** Chooses the device (only when --device was given: DJL's default otherwise) and says which, and why, on err. */
    DeviceChoice apply(PrintWriter err) {
        if (device == null) {
            return null;
        }
        DeviceChoice c = ProcessDevice.choose(device);
        err.println("device: " + c.reason());
        return c;
    }
}
