package org.scribbleseg.engine.project;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The connection manager under every repository of a project: the one SQLite connection, transactions (one per
 * user action, {@code BEGIN IMMEDIATE}, retried whole while another program holds the lock, see {@link BusyRetry}),
 * reads, the annotation revision and its {@link RevisionJournal}, project metadata, and the change listeners (told
 * after each commit, on the committing thread). All methods are thread-safe (serialised on this object).
 */
final class ProjectDb implements AutoCloseable {
    private final Path root;
    private final Connection db;
    private final boolean readOnly;
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final RevisionJournal journal = new RevisionJournal();
    private boolean closed;

    ProjectDb(Path root, Connection db, boolean readOnly) {
        this.root = root;
        this.db = db;
        this.readOnly = readOnly;
    }

    /** Opens (and migrates) the read-write connection of the project in {@code root}. */
    static ProjectDb connect(Path root) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.enforceForeignKeys(true);
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(BusyRetry.busyTimeoutMillis());
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve(ProjectStore.DB_FILE), cfg.toProperties());
        } catch (SQLException e) {
            throw new ProjectException("cannot open project database in " + root + ": " + describe(e), e);
        }
        ProjectDb pdb = new ProjectDb(root, c, false);
        try {
            Migrations.migrate(pdb);
        } catch (RuntimeException e) {
            pdb.closeQuietly();
            throw e;
        }
        return pdb;
    }

    Path root() {
        return root;
    }

    boolean isReadOnly() {
        return readOnly;
    }

    static String describe(SQLException e) {
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            if (code == SQLiteErrorCode.SQLITE_NOTADB || code == SQLiteErrorCode.SQLITE_CORRUPT) {
                return "the file is damaged or is not an SQLite database";
            }
            if (code == SQLiteErrorCode.SQLITE_FULL) {
                return "the disk is full";
            }
            if (code == SQLiteErrorCode.SQLITE_READONLY || code == SQLiteErrorCode.SQLITE_CANTOPEN) {
                return "the file cannot be written or opened (" + code.message + ")";
            }
        }
        return e.getMessage();
    }

    // ------------------------------------------------------------------------------------------------ transactions

    /**
     * One transaction ({@code BEGIN IMMEDIATE}: it waits for the write lock up to the busy timeout), rolled back on
     * any failure, with the reason turned into a user-facing message. When another process or connection holds the
     * lock the whole transaction is rolled back and run again (see {@link BusyRetry}); {@code work} must therefore
     * only touch the database.
     */
    synchronized <T> T tx(Sql.Work<T> work) {
        ensureOpen();
        if (readOnly) {
            throw new ProjectException("project " + root + " is read-only: nothing can be saved to it (nothing was changed)");
        }
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return attemptTx(work);
            } catch (SQLException e) {
                if (BusyRetry.isBusy(e)) {
                    if (BusyRetry.pauseBeforeRetry(attempt, start)) {
                        continue;
                    }
                    throw new ProjectException("could not save to " + root.resolve(ProjectStore.DB_FILE) + ": another program kept the project locked for "
                            + (System.nanoTime() - start) / 1_000_000_000 + " s (" + attempt + " attempts); nothing of this change was saved", e);
                }
                throw new ProjectException("could not save to " + root.resolve(ProjectStore.DB_FILE) + ": " + describe(e)
                        + " (nothing was changed)", e);
            }
        }
    }

    /** One attempt: BEGIN IMMEDIATE, the work, COMMIT; rolled back whole on any failure. */
    private <T> T attemptTx(Sql.Work<T> work) throws SQLException {
        try {
            db.setAutoCommit(false); // BEGIN IMMEDIATE
        } catch (SQLException e) {
            leaveTransactionMode();
            throw e;
        }
        T r;
        try {
            r = work.run(db);
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
        try {
            db.setAutoCommit(true); // COMMIT (Connection.commit would BEGIN the next transaction at once)
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
        return r;
    }

    /** Ends a failed transaction; the driver's own rollback() would begin a new one at once (and could meet a lock). */
    private void rollbackQuietly() {
        try (Statement s = db.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction open any more (SQLite rolled it back itself)
        }
        leaveTransactionMode();
    }

    /** Back to auto-commit after a BEGIN or COMMIT that failed (the driver has flipped its flag already). */
    private void leaveTransactionMode() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException ignored) {
            // "no transaction is active": the flag is back to auto-commit, which is all that is needed
        }
    }

    /** A read (retried while another connection holds a lock that blocks it). */
    synchronized <T> T query(Sql.Work<T> work) {
        ensureOpen();
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run(db);
            } catch (SQLException e) {
                if (BusyRetry.isBusy(e) && BusyRetry.pauseBeforeRetry(attempt, start)) {
                    continue;
                }
                throw new ProjectException("could not read " + root.resolve(ProjectStore.DB_FILE) + ": " + describe(e), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ProjectException("project " + root + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ revision, meta

    /** Annotation revision: grows by one with every change to strokes, tags, masks or classes. */
    long revision() {
        return query(ProjectDb::revision);
    }

    static long revision(Connection c) throws SQLException {
        return Long.parseLong(getMeta(c, "revision").orElse("0"));
    }

    /**
     * Bumps the revision for a change of one image's annotations ({@code imageId}) or of the whole project (-1:
     * classes) and notes it in the journal the live loop's incremental reads use.
     */
    long bumpRevision(Connection c, long imageId) throws SQLException {
        long next = revision(c) + 1;
        setMeta(c, "revision", Long.toString(next));
        journal.note(next, imageId);
        return next;
    }

    /** What changed after revision {@code since} (see {@link RevisionJournal#changesSince}). */
    synchronized AnnotationChanges changesSince(long since) {
        long now = revision();
        return journal.changesSince(since, now);
    }

    static Optional<String> getMeta(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = Sql.prepare(c, "SELECT value FROM meta WHERE key = ?", key); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    static void setMeta(Connection c, String key, String value) throws SQLException {
        Sql.update(c, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
    }

    // ------------------------------------------------------------------------------------------------ listeners

    void addListener(StoreListener l) {
        listeners.add(l);
    }

    void removeListener(StoreListener l) {
        listeners.remove(l);
    }

    /** Tells every listener that {@code imageId}'s annotations changed (-1: project-wide), after the commit. */
    void fire(long imageId) {
        long rev = revision();
        for (StoreListener l : listeners) {
            l.annotationsChanged(imageId, rev);
        }
    }

    /** Tells every listener something else (after {@link #fire} for the same change). */
    void tell(Consumer<StoreListener> event) {
        for (StoreListener l : listeners) {
            event.accept(l);
        }
    }

    // ------------------------------------------------------------------------------------------------ close

    private void closeQuietly() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing after a failed open: the original error is what matters
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly();
        }
    }
}
