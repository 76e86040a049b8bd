package org.scribbleseg.engine.gpu;

import ai.djl.Device;

/**
 * The device a heavy job computes on and, always, why: the rules that turn a {@link DeviceSpec} and a
 * {@link GpuProbe} into a device. Nothing here fails or waits: every way a GPU cannot be used falls back to the CPU
 * with the reason said (users.md: never leave a GPU silently unused).
 */
public record DeviceChoice(Device device, String reason) {

    public boolean isGpu() {
        return device.isGpu();
    }

    public static DeviceChoice choose(DeviceSpec spec, GpuProbe p) {
        if (spec.kind() == DeviceSpec.Kind.CPU) {
            return new DeviceChoice(Device.cpu(), "CPU (asked for)");
        }
        String asked = spec.kind() == DeviceSpec.Kind.GPU ? spec + " was asked for, but " : "";
        String why = whyNot(spec, p);
        if (why != null) {
            return new DeviceChoice(Device.cpu(), "CPU: " + asked + why);
        }
        return new DeviceChoice(Device.gpu(spec.index()), "GPU " + spec.index() + ": " + p.gpus().get(spec.index())
                + ", CUDA " + GpuProbe.version(p.cudaVersion()));
    }

    /** Why the GPU of {@code spec} cannot be used (null when it can). */
    public static String whyNot(DeviceSpec spec, GpuProbe p) {
        if (!p.cuda()) {
            return p.driverError() == null ? "no CUDA driver was found" : p.driverError();
        }
        if (p.cudaVersion() < GpuProbe.MIN_CUDA) {
            return "the CUDA driver supports CUDA " + GpuProbe.version(p.cudaVersion()) + ", older than the 12.8 the GPU runtime (cu128) needs: update the NVIDIA driver";
        }
        if (p.gpus().isEmpty()) {
            return "no CUDA GPU was found";
        }
        if (!p.runtimeHasCuda()) {
            return "the PyTorch runtime in use is the CPU build: run `scribbleseg gpu install` or `scribbleseg gpu use <libtorch-dir>`";
        }
        if (spec.index() >= p.gpus().size()) {
            return "there is no GPU " + spec.index() + " (" + p.gpus().size() + " found)";
        }
        return null;
    }
}
