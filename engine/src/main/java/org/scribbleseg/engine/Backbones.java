package org.scribbleseg.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.feature.Dinov2Backbone;
import org.scribbleseg.engine.model.ModelStore;
import org.scribbleseg.engine.model.ModelStoreException;
import org.scribbleseg.engine.model.ClassicBackbone;
import org.scribbleseg.engine.nn.Dinov2Config;
import org.scribbleseg.engine.nn.Dinov2Weights;
import org.scribbleseg.engine.project.ProjectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the live backbone a project setting or a CLI option names. */
public final class Backbones {
    public static final String CLASSIC = "classic";
    /** Suffix of a DINOv2 preset name that asks for seeded random weights: "dinov2-small-random". */
    public static final String RANDOM_SUFFIX = "-random";
    /** Prefix of a project ViT setting: "project-vit:&lt;run&gt;", the encoder a SimMIM run of the project trained. */
    public static final String PROJECT_VIT = org.scribbleseg.engine.heavy.SimMimJob.PROJECT_VIT;
    private static final Logger LOG = LoggerFactory.getLogger(Backbones.class);

    private Backbones() {
    }

    /**
     * "classic" (or "classic@s&lt;stride&gt;") is always available. A name the installed models cannot serve falls
     * back to the classic backbone with a warning, so a project never fails to open for want of weights.
     */
    public static Backbone forSetting(String name) {
        return forSetting(name, null);
    }

    /**
     * {@link #forSetting(String)} in a project whose runs are under {@code modelsDir}, so that a project ViT
     * ("project-vit:&lt;run&gt;") resolves too.
     */
    public static Backbone forSetting(String name, Path modelsDir) {
        if (name != null && isProjectVit(name)) {
            try {
                return projectVit(name, modelsDir);
            } catch (IOException | RuntimeException e) {
                LOG.warn("backbone '{}' could not be loaded ({}); using the classic filter bank", name, e.getMessage());
                return new ClassicBackbone();
            }
        }
        String n = name == null ? CLASSIC : name.strip().toLowerCase();
        if (n.equals(CLASSIC)) {
            return new ClassicBackbone();
        }
        if (n.startsWith("classic@s")) {
            return new ClassicBackbone(Integer.parseInt(n.substring("classic@s".length())));
        }
        if (n.startsWith("dinov2")) {
            try {
                return installedDinov2(n, Dinov2Backbone.DEFAULT_RESOLUTION);
            } catch (ModelStoreException | RuntimeException e) {
                LOG.warn("backbone '{}' could not be loaded ({}); using the classic filter bank", name, e.getMessage());
            }
            return new ClassicBackbone();
        }
        LOG.warn("backbone '{}' is not available here; using the classic filter bank", name);
        return new ClassicBackbone();
    }

    /**
     * The backbone {@code name} names, or a {@link ProjectException} naming the choices installed here: for an
     * explicit choice (the CLI's --backbone) that cannot be honoured, which must not silently become another one.
     */
    public static Backbone explicit(String name) {
        return explicit(name, null);
    }

    /** {@link #explicit(String)} in a project whose runs are under {@code modelsDir} (project ViTs resolve). */
    public static Backbone explicit(String name, Path modelsDir) {
        if (name != null && isProjectVit(name)) {
            try {
                return projectVit(name, modelsDir);
            } catch (IOException | RuntimeException e) {
                throw new ProjectException("backbone '" + name + "' cannot be used: " + e.getMessage(), e);
            }
        }
        String n = name == null ? "" : name.strip().toLowerCase();
        if (n.equals(CLASSIC)) {
            return new ClassicBackbone();
        }
        if (n.startsWith("classic@s")) {
            try {
                int stride = Integer.parseInt(n.substring("classic@s".length()));
                return new ClassicBackbone(stride);
            } catch (RuntimeException e) {
                throw new ProjectException("backbone '" + name + "': " + (e instanceof NumberFormatException ? "the stride must be a number"
                        : e.getMessage()) + ". Installed choices: " + String.join(", ", installedChoices()));
            }
        }
        if (n.startsWith("dinov2") && !isRandom(n)) {
            try {
                return installedDinov2(n, Dinov2Backbone.DEFAULT_RESOLUTION);
            } catch (ModelStoreException | RuntimeException e) {
                throw new ProjectException("backbone '" + name + "' cannot be used: " + e.getMessage() + ". Installed choices: "
                        + String.join(", ", installedChoices()), e);
            }
        }
        throw new ProjectException("unknown backbone '" + name + "'. Installed choices: " + String.join(", ", installedChoices()));
    }

    /** The backbone names that work here: the classic bank (any stride) and each completely installed DINOv2 model. */
    public static java.util.List<String> installedChoices() {
        java.util.List<String> out = new java.util.ArrayList<>(java.util.List.of(CLASSIC, "classic@s<stride>"));
        try {
            for (ModelStore.InstalledModel m : ModelStore.createDefault().list()) {
                if (m.complete() && m.name().startsWith("dinov2")) {
                    out.add(m.name());
                }
            }
        } catch (ModelStoreException | RuntimeException e) {
            LOG.debug("cannot list installed models: {}", e.getMessage());
        }
        return out;
    }

    /** Whether a setting names a project ViT ("project-vit:&lt;run&gt;"). */
    public static boolean isProjectVit(String setting) {
        return setting.strip().toLowerCase().startsWith(PROJECT_VIT);
    }

    /**
     * The project ViT a setting "project-vit:&lt;run&gt;" names: the encoder of the newest checkpoint of SimMIM run
     * {@code <run>} under {@code modelsDir}, at the run's feature resolution. Its key names the run and the
     * checkpoint's step ("project-vit-&lt;run&gt;-s&lt;step&gt;@256"), so cached features of an earlier checkpoint
     * are not reused.
     */
    public static Backbone projectVit(String setting, Path modelsDir) throws IOException {
        return org.scribbleseg.engine.heavy.SimMimJob.projectBackbone(setting, modelsDir);
    }

    /** The project ViT settings of a project's runs: every SimMIM run with a checkpoint, newest first. */
    public static java.util.List<String> projectVitChoices(java.util.List<org.scribbleseg.engine.project.RunRecord> runs) {
        return runs.stream().filter(r -> org.scribbleseg.engine.heavy.SimMimJob.METHOD.equals(r.method()) && r.checkpoint() != null)
                .sorted(java.util.Comparator.comparingLong(org.scribbleseg.engine.project.RunRecord::createdAt).reversed())
                .map(r -> PROJECT_VIT + r.id()).toList();
    }

    /** A ViT backbone setting split into model name and input resolution: "dinov2-small@224". */
    public record Setting(String model, int resolution) {
        public static Setting parse(String setting, int defaultResolution) {
            String n = setting.strip().toLowerCase();
            int at = n.indexOf('@');
            return at < 0 ? new Setting(n, defaultResolution)
                    : new Setting(n.substring(0, at), Integer.parseInt(n.substring(at + 1)));
        }
    }

    /**
     * The installed DINOv2 model a setting ("dinov2-small" or "dinov2-small@224") names, at {@code defaultResolution}
     * when the setting has none; unlike {@link #forSetting} this never falls back to the classic backbone.
     */
    public static Dinov2Backbone installedDinov2(String setting, int defaultResolution) throws ModelStoreException {
        Setting s = Setting.parse(setting, defaultResolution);
        Optional<ModelStore.InstalledModel> m = ModelStore.createDefault().installed(s.model());
        if (m.isEmpty() || !m.get().complete()) {
            throw new ModelStoreException("no weights installed for '" + s.model() + "' (scribbleseg models download "
                    + s.model() + ")");
        }
        return Dinov2Backbone.load(s.model(), m.get().dir(), s.resolution());
    }

    /** Whether a setting asks for random weights ("dinov2-small-random", "dinov2-base-random@224"). */
    public static boolean isRandom(String setting) {
        return Setting.parse(setting, 0).model().endsWith(RANDOM_SUFFIX);
    }

    /**
     * "dinov2-&lt;size&gt;-random[@res]": DINOv2 of the real facebook/dinov2 shape ({@link Dinov2Config#preset}) with
     * seeded random weights. For smoke tests only: the features carry no meaning.
     */
    public static Dinov2Backbone randomDinov2(String setting, int defaultResolution, long seed, Path dir)
            throws IOException {
        Setting s = Setting.parse(setting, defaultResolution);
        if (!s.model().endsWith(RANDOM_SUFFIX)) {
            throw new IllegalArgumentException("'" + setting + "' does not name random weights (dinov2-small" + RANDOM_SUFFIX + ")");
        }
        String size = s.model().substring(0, s.model().length() - RANDOM_SUFFIX.length());
        return randomDinov2(s.model(), Dinov2Config.preset(size), s.resolution(), seed, dir);
    }

    /**
     * Random weights of {@code config} written under {@code dir} as an HF model folder (config.json +
     * model.safetensors) and loaded through the same code as downloaded weights.
     */
    public static Dinov2Backbone randomDinov2(String name, Dinov2Config config, int resolution, long seed, Path dir)
            throws IOException {
        return Dinov2Backbone.load(name, Dinov2Weights.writeRandomModel(config, seed, dir), resolution);
    }
}
