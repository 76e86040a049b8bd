package org.scribbleseg.engine.heavy;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The heavy methods available in this process (every {@link HeavyJobFactory} on the class path). */
public final class HeavyJobs {
    private HeavyJobs() {
    }

    /** Method name to factory, sorted by name. */
    public static Map<String, HeavyJobFactory> all() {
        Map<String, HeavyJobFactory> m = new TreeMap<>();
        for (HeavyJobFactory f : ServiceLoader.load(HeavyJobFactory.class)) {
            m.put(f.method(), f);
        }
        return m;
    }

    /** The factory of a method; fails with the known methods listed. */
    public static HeavyJobFactory get(String method) {
        HeavyJobFactory f = all().get(method);
        if (f == null) {
            throw new IllegalArgumentException("unknown heavy method '" + method + "' (known: " + String.join(", ", all().keySet()) + ")");
        }
        return f;
    }
}
