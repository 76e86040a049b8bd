package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/** The project database as a file: emptiness, read-only folders, the backup kept before a schema migration. */
final class ProjectFiles {
    private ProjectFiles() {
    }

    /** A zero-byte project.db is a damaged project (SQLite would happily make it a fresh, empty one). */
    static void refuseEmpty(Path dbFile) {
        long size;
        try {
            size = Files.size(dbFile);
        } catch (IOException e) {
            throw new ProjectException("cannot read project database " + dbFile + ": " + e.getMessage(), e);
        }
        if (size == 0) {
            throw new ProjectException("project database " + dbFile + " is damaged: the file is empty (0 bytes). "
                    + "Nothing was changed; restore it from a backup.");
        }
    }

    /**
     * Whether the project must be opened read-only: the folder or project.db cannot be written, or has no write
     * permission at all (honoured even for a user, such as root, whom the permissions do not stop: a folder made
     * read-only on purpose is not written to).
     */
    static boolean isReadOnly(Path root, Path dbFile) {
        return !writable(root) || !writable(dbFile);
    }

    private static boolean writable(Path p) {
        if (!Files.isWritable(p)) {
            return false;
        }
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        if (v == null) {
            return true;
        }
        try {
            Set<PosixFilePermission> perms = v.readAttributes().permissions();
            return perms.contains(PosixFilePermission.OWNER_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * The JDBC URL of a read-only connection. Without a write-ahead log to read, the file is opened immutable: SQLite
     * then creates no {@code -wal}/{@code -shm} beside it (it could not in a read-only folder).
     */
    static String readOnlyUrl(Path dbFile) {
        Path wal = dbFile.resolveSibling(dbFile.getFileName() + "-wal");
        boolean walContent;
        try {
            walContent = Files.exists(wal) && Files.size(wal) > 0;
        } catch (IOException e) {
            walContent = true;
        }
        String uri = dbFile.toUri().toString(); // file:///... with spaces and the like escaped
        return "jdbc:sqlite:" + uri + (walContent ? "?mode=ro" : "?mode=ro&immutable=1");
    }

    /** A read-only connection (no migration, no journal files written when avoidable). */
    static Connection openReadOnly(Path dbFile) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.enforceForeignKeys(true);
        cfg.setBusyTimeout(BusyRetry.busyTimeoutMillis());
        return cfg.createConnection(readOnlyUrl(dbFile));
    }

    /**
     * Keeps a copy of the database before migrating it from schema {@code version}: {@code project.db.v<N>.bak} beside
     * it (a consistent copy, write-ahead log included), or {@code .v<N>.<k>.bak} when that name is taken.
     */
    static Path backupBeforeMigration(Path dbFile, int version) {
        Path target = dbFile.resolveSibling(dbFile.getFileName() + ".v" + version + ".bak");
        for (int k = 2; Files.exists(target); k++) {
            target = dbFile.resolveSibling(dbFile.getFileName() + ".v" + version + "." + k + ".bak");
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        try (Connection c = cfg.createConnection("jdbc:sqlite:" + dbFile); Statement s = c.createStatement()) {
            s.execute("VACUUM INTO '" + target.toString().replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new ProjectException("cannot keep a backup of " + dbFile + " before upgrading its schema (" + e.getMessage()
                    + "); nothing was changed", e);
        }
        return target;
    }
}
