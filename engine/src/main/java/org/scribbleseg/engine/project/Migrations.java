package org.scribbleseg.engine.project;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The schema checks before a project is opened and the forward migrations keyed by {@code PRAGMA user_version}. */
final class Migrations {
    private Migrations() {
    }

    /**
     * Read-only pre-flight: a damaged file or one from a newer version is refused before anything is written.
     * Returns the file's schema version.
     */
    static int checkReadable(Path dbFile) {
        try (Connection c = ProjectFiles.openReadOnly(dbFile); Statement s = c.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > Schema.latestVersion()) {
                throw new ProjectException("project " + dbFile.getParent() + " was written by a newer ScribbleSeg (schema v"
                        + version + "; this version reads up to v" + Schema.latestVersion() + "). Update ScribbleSeg to open it.");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                String r = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equalsIgnoreCase(r)) {
                    throw new ProjectException("project database " + dbFile + " is damaged (" + r
                            + "). Nothing was changed; restore it from a backup or run `sqlite3 project.db .recover`.");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('class','image','stroke')")) {
                if (version == 0 || rs.getInt(1) != 3) {
                    throw new ProjectException(dbFile + " is an SQLite database but not a ScribbleSeg project. Nothing was changed.");
                }
            }
            return version;
        } catch (SQLException e) {
            throw new ProjectException("cannot open project database " + dbFile + ": " + ProjectDb.describe(e)
                    + ". Nothing was changed.", e);
        }
    }

    /** Runs the migrations from the database's version to the latest, one transaction each. */
    static void migrate(ProjectDb db) {
        int version = db.query(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return rs.getInt(1);
            }
        });
        if (version > Schema.latestVersion()) {
            throw new ProjectException("project " + db.root() + " was written by a newer ScribbleSeg (schema v" + version + ")");
        }
        for (int v = version; v < Schema.latestVersion(); v++) {
            final int target = v + 1;
            db.tx(c -> {
                try (Statement m = c.createStatement()) {
                    for (String sql : Schema.MIGRATIONS.get(target - 1).split(";")) {
                        if (!sql.isBlank()) {
                            m.execute(sql);
                        }
                    }
                    m.execute("PRAGMA user_version = " + target);
                }
                return null;
            });
        }
    }

    /** Schema version of an open database. */
    static int schemaVersion(ProjectDb db) {
        return db.query(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return rs.getInt(1);
            }
        });
    }
}
