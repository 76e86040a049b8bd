package org.scribbleseg.engine.heavy;

import java.util.function.Supplier;

/**
 * A {@link HeavyJobFactory} from a method name, a description and a constructor; a job's {@code Factory} (which
 * {@link java.util.ServiceLoader} needs as a class with a public no-argument constructor) extends it.
 */
public abstract class SimpleFactory implements HeavyJobFactory {
    private final String method;
    private final String description;
    private final Supplier<HeavyJob> create;

    protected SimpleFactory(String method, String description, Supplier<HeavyJob> create) {
        this.method = method;
        this.description = description;
        this.create = create;
    }

    @Override
    public final String method() {
        return method;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final HeavyJob create() {
        return create.get();
    }
}
