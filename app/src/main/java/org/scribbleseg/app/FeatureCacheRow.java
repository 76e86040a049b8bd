package org.scribbleseg.app;

import java.util.Locale;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import org.scribbleseg.engine.Engine;

/**
 * The feature cache line of Project settings: how much disk the cached backbone features take, the limit (GB) above
 * which the least recently used maps are evicted (never the current, labelled or suggested images'), and
 * "Clear cache". Disk scans and deletes run off the FX thread.
 */
final class FeatureCacheRow {
    private final Engine engine;
    private final Notifier notifier;
    final Label usage = new Label("Feature cache: counting…");
    final TextField limit = new TextField();
    final Button clear = new Button("Clear cache");
    final HBox node;

    private final UiBackground background;

    FeatureCacheRow(Engine engine, Notifier notifier, UiBackground background) {
        this.background = background;
        this.engine = engine;
        this.notifier = notifier;
        usage.setId("settingsCacheUsage");
        usage.getStyleClass().add("muted");
        limit.setId("settingsCacheLimit");
        limit.setPrefColumnCount(5);
        clear.setId("settingsCacheClear");
        clear.setOnAction(e -> {
            clear.setDisable(true);
            UiBackground.on(background.jobs(), engine::clearFeatureCache, freed -> {
                clear.setDisable(false);
                notifier.info("Feature cache cleared", gb(freed) + " freed; features are computed again when an image needs them.");
                refresh();
            }, t -> {
                clear.setDisable(false);
                notifier.error("Could not clear the feature cache", t, null);
            });
        });
        node = new HBox(8, limit, new Label("GB"), clear);
        refresh();
    }

    /** Reads the cache's size and limit again. */
    void refresh() {
        UiBackground.on(background.jobs(), engine::featureCacheUsage, u -> {
            usage.setText(text(u));
            if (limit.getText().isBlank()) {
                limit.setText(String.format(Locale.ROOT, "%.3g", u.limitBytes() / 1e9).replaceAll("\\.?0+$", ""));
            }
        }, t -> usage.setText("Feature cache: cannot read (" + t.getMessage() + ")"));
    }

    static String text(Engine.FeatureCacheUsage u) {
        return "Feature cache: " + gb(u.bytes()) + " of " + gb(u.limitBytes()) + " (" + u.maps() + (u.maps() == 1 ? " map)" : " maps)");
    }

    static String gb(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }

    /** Saves the limit typed (when it changed and is valid); an invalid entry is reported and nothing is saved. */
    void apply() {
        double gb;
        try {
            gb = Double.parseDouble(limit.getText().strip().replace(',', '.'));
        } catch (NumberFormatException e) {
            notifier.error("Feature cache limit not saved", new IllegalArgumentException(
                    "'" + limit.getText() + "' is not a size in GB (e.g. 5 or 0.5)"), null);
            return;
        }
        UiBackground.on(background.jobs(), () -> {
            if (Math.round(gb * 1e9) == engine.featureCacheUsage().limitBytes()) {
                return -1L;
            }
            return engine.setFeatureCacheLimitGb(gb);
        }, freed -> {
            if (freed > 0) {
                notifier.info("Feature cache limit saved", gb(freed) + " of least recently used features evicted.");
            }
        }, t -> notifier.error("Feature cache limit not saved", t, null));
    }
}
