package org.scribbleseg.engine.testutil;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(SmallWorkers.class)}: heavy-worker child processes started by the tests of the class get one
 * libtorch thread (a fixed thread count makes CPU kernels reduce in a fixed order, so runs are reproducible, and two
 * cores shared with the test JVM are not oversubscribed) and a 768 MB heap; the previous settings come back after.
 */
public final class SmallWorkers implements BeforeAllCallback, AfterAllCallback {
    static final String THREADS = "scribbleseg.worker.threads";
    static final String XMX = "scribbleseg.worker.xmx";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SmallWorkers.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        store.put(THREADS, String.valueOf(System.getProperty(THREADS)));
        store.put(XMX, String.valueOf(System.getProperty(XMX)));
        System.setProperty(THREADS, "1");
        System.setProperty(XMX, "768m");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        restore(THREADS, store.get(THREADS, String.class));
        restore(XMX, store.get(XMX, String.class));
    }

    private static void restore(String key, String old) {
        if (old == null || old.equals("null")) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }
}
