package org.scribbleseg.engine.project;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Waiting for other writers of the same project (the app and a CLI import, two imports, predict during an import).
 * Every connection has an SQLite busy timeout and starts its write transactions with {@code BEGIN IMMEDIATE}, so
 * a writer waits for the write lock instead of failing on a stale snapshot; a transaction that still meets
 * {@code SQLITE_BUSY}/{@code SQLITE_BUSY_SNAPSHOT}/{@code SQLITE_LOCKED} is rolled back and run again whole, with a
 * growing pause, until {@link #budgetMillis()} has passed.
 *
 * <p>System properties (for tests and unusual setups): {@code scribbleseg.db.busyTimeoutMs} (default 5,000) and
 * {@code scribbleseg.db.retryBudgetMs} (default 60,000: how long one transaction keeps retrying in all).
 */
final class BusyRetry {
    private BusyRetry() {
    }

    static int busyTimeoutMillis() {
        return Integer.getInteger("scribbleseg.db.busyTimeoutMs", 5_000);
    }

    static long budgetMillis() {
        return Long.getLong("scribbleseg.db.retryBudgetMs", 60_000L);
    }

    /** Whether {@code e} says another connection holds the lock (worth retrying the whole transaction). */
    static boolean isBusy(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException se) {
                SQLiteErrorCode code = se.getResultCode();
                if (code == SQLiteErrorCode.SQLITE_BUSY || code == SQLiteErrorCode.SQLITE_LOCKED
                        || code == SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT || code == SQLiteErrorCode.SQLITE_BUSY_RECOVERY
                        || code == SQLiteErrorCode.SQLITE_LOCKED_SHAREDCACHE) {
                    return true;
                }
            }
            if (t instanceof SQLException s && ((s.getErrorCode() & 0xff) == 5 || (s.getErrorCode() & 0xff) == 6)) {
                return true;
            }
        }
        return false;
    }

    /** The pause before attempt {@code attempt + 1} (1-based): 25 ms doubling to 1 s, with jitter. */
    static long pauseMillis(int attempt) {
        long base = Math.min(1_000L, 25L << Math.min(attempt - 1, 6));
        return base / 2 + (long) (Math.random() * base);
    }

    /** Sleeps before the next attempt; false (no sleep) when the retry budget, counted from {@code startNanos}, is spent. */
    static boolean pauseBeforeRetry(int attempt, long startNanos) {
        long pause = pauseMillis(attempt);
        long spent = (System.nanoTime() - startNanos) / 1_000_000;
        if (spent + pause > budgetMillis()) {
            return false;
        }
        try {
            Thread.sleep(pause);
            return true;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
