package org.scribbleseg.engine;

import java.util.Optional;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.Dinov2Backbone;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;
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
        if (n.startsWith("dinov2")) {
            String model = n.contains("@") ? n.substring(0, n.indexOf('@')) : n;
            int res = n.contains("@") ? Integer.parseInt(n.substring(n.indexOf('@') + 1)) : Dinov2Backbone.DEFAULT_RESOLUTION;
            try {
                Optional<ModelStore.InstalledModel> m = ModelStore.createDefault().installed(model);
                if (m.isPresent() && m.get().complete()) {
                    return Dinov2Backbone.load(model, m.get().dir(), res);
                }
                LOG.warn("backbone '{}' has no weights installed (scribbleseg models download {}); using the classic filter bank",
                        name, model);
            } catch (ModelStoreException | RuntimeException e) {
                LOG.warn("backbone '{}' could not be loaded ({}); using the classic filter bank", name, e.getMessage());
            }
            return new ClassicBackbone();
        }
        LOG.warn("backbone '{}' is not available here; using the classic filter bank", name);
        return new ClassicBackbone();
    }
}
