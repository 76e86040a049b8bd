package org.scribbleseg.engine.zeroseg;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.scribbleseg.engine.train.TorchThreads;

/** One libtorch thread for a test class (the machine is shared; fixed thread counts also make CPU runs reproducible). */
final class OneTorchThread implements BeforeAllCallback, AfterAllCallback {
    private int before;

    @Override
    public void beforeAll(ExtensionContext context) {
        before = TorchThreads.set(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TorchThreads.set(before);
    }
}
