package org.scribbleseg.engine;

import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the live backbone a project setting or a CLI option names. */
public final class Backbones {
    public static final String CLASSIC = "classic";
    private static final Logger LOG = LoggerFactory.getLogger(Backbones.class);

    private Backbones() {
    }

    /**
     * "classic" (or "classic@s&lt;stride&gt;") is always available. A name the installed models cannot serve falls
     * back to the classic backbone with a warning, so a project never fails to open for want of weights.
     */
    public static Backbone forSetting(String name) {
        String n = name == null ? CLASSIC : name.strip().toLowerCase();
        if (n.equals(CLASSIC)) {
            return new ClassicBackbone();
        }
        if (n.startsWith("classic@s")) {
            return new ClassicBackbone(Integer.parseInt(n.substring("classic@s".length())));
        }
        LOG.warn("backbone '{}' is not available here; using the classic filter bank", name);
        return new ClassicBackbone();
    }
}
