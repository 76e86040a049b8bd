package org.scribbleseg.engine.cli;

/** Process-wide defaults that must hold before DJL or anything else starts: never wait on the network. */
public final class Defaults {
    private Defaults() {
    }

    /** DJL offline + tracking opt-out, unless the user set them explicitly. */
    public static void applyOfflineDefaults() {
        org.scribbleseg.engine.Engine.applyOfflineDefaults();
    }
}
