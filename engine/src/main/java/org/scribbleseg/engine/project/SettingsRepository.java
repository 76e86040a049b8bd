package org.scribbleseg.engine.project;

import java.util.Optional;

/** Project-level settings (free text by key, e.g. the chosen backbone), kept in the {@code meta} table. */
public final class SettingsRepository {
    private final ProjectDb db;

    SettingsRepository(ProjectDb db) {
        this.db = db;
    }

    public Optional<String> get(String key) {
        return db.query(c -> ProjectDb.getMeta(c, "setting." + key));
    }

    public void set(String key, String value) {
        db.tx(c -> {
            ProjectDb.setMeta(c, "setting." + key, value);
            return null;
        });
    }
}
