package org.scribbleseg.engine.heavy;

import org.scribbleseg.engine.feature.Backbone;
import org.scribbleseg.engine.project.ProjectException;

/** The live backbones as heavy jobs build them in the worker (DDeP's encoder, SemiVL's tag pseudo-masks). */
public final class WorkerBackbones {
    private WorkerBackbones() {
    }

    /**
     * The backbone a setting names, in the worker: classic[@s&lt;stride&gt;], project-vit:&lt;run&gt;, or an installed
     * DINOv2 model [@res] (as the project's live backbone resolves it; no fallback: a run needs its backbone).
     */
    public static Backbone forSetting(String setting, java.nio.file.Path modelsDir) throws Exception {
        String n = setting.strip().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("classic")) {
            return new org.scribbleseg.engine.model.ClassicBackbone();
        }
        if (n.startsWith("classic@s")) {
            return new org.scribbleseg.engine.model.ClassicBackbone(Integer.parseInt(n.substring("classic@s".length())));
        }
        if (n.startsWith(SimMimJob.PROJECT_VIT)) {
            return SimMimJob.projectBackbone(setting, modelsDir);
        }
        int at = n.indexOf('@');
        String model = at < 0 ? n : n.substring(0, at);
        int res = at < 0 ? org.scribbleseg.engine.feature.Dinov2Backbone.DEFAULT_RESOLUTION : Integer.parseInt(n.substring(at + 1));
        var m = org.scribbleseg.engine.model.ModelStore.createDefault().installed(model)
                .filter(org.scribbleseg.engine.model.ModelStore.InstalledModel::complete)
                .orElseThrow(() -> new ProjectException("backbone '" + setting + "' is not installed"));
        return org.scribbleseg.engine.feature.Dinov2Backbone.load(model, m.dir(), res);
    }
}
