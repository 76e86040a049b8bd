package org.scribbleseg.engine.gpu;

import ai.djl.Device;

/**
 * The device this process's DJL work uses when a command chose one with {@code --device} (the CLI's predict and
 * bench; the worker passes its device to each job instead). Null until chosen: DJL's default device then.
 */
public final class ProcessDevice {
    private static volatile Device device;

    private ProcessDevice() {
    }

    /** Resolves {@code spec} against this process's runtime, remembers the device and returns the choice. */
    public static DeviceChoice choose(String spec) {
        DeviceChoice c = DeviceChoice.choose(DeviceSpec.parse(spec), GpuProbe.detect());
        device = c.device();
        return c;
    }

    /** The chosen device, or null for DJL's default. */
    public static Device get() {
        return device;
    }
}
