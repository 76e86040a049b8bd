package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Training runs: the live head's records and the heavy runs (state, progress, device, checkpoint, metrics). */
public final class RunRepository {
    private final ProjectDb db;

    RunRepository(ProjectDb db) {
        this.db = db;
    }

    /** Records a training run (config and metrics as JSON text). */
    public void save(String runId, String kind, String backbone, String configJson, String metricsJson, long dataRevision) {
        db.tx(c -> Sql.update(c, "INSERT INTO run(id, kind, backbone, created_at, config, metrics, data_revision) VALUES (?,?,?,?,?,?,?) "
                + "ON CONFLICT(id) DO UPDATE SET metrics = excluded.metrics, data_revision = excluded.data_revision",
                runId, kind, backbone, System.currentTimeMillis(), configJson, metricsJson, dataRevision));
    }

    /** Records a heavy run as {@link RunRecord#RUNNING} at step 0 (a resumed run keeps its row; see {@link #update}). */
    public void create(String runId, String method, String configJson, String device, long dataRevision, long total) {
        long now = System.currentTimeMillis();
        db.tx(c -> Sql.update(c, "INSERT INTO run(id, kind, backbone, created_at, config, metrics, data_revision, device, state, step, total, updated_at) "
                + "VALUES (?,?,'',?,?,'[]',?,?,?,0,?,?)", runId, method, now, configJson, dataRevision, device, RunRecord.RUNNING, total, now));
    }

    /**
     * Updates a run's state and progress; {@code checkpoint}, {@code device} and {@code message} are kept when
     * null. Returns false when there is no such run.
     */
    public boolean update(String runId, String state, long step, long total, String checkpoint, String device, String message) {
        return db.tx(c -> Sql.update(c, "UPDATE run SET state = ?, step = ?, total = CASE WHEN ? > 0 THEN ? ELSE total END, "
                + "checkpoint = coalesce(?, checkpoint), device = coalesce(?, device), message = coalesce(?, message), updated_at = ? WHERE id = ?",
                state, step, total, total, checkpoint, device, message, System.currentTimeMillis(), runId) > 0);
    }

    /** Appends one evaluation ({@code {"step":n,"values":{...}}}) to a run's metrics. */
    public void addMetrics(String runId, long step, Map<String, Double> values) {
        db.tx(c -> {
            String old;
            try (PreparedStatement ps = prepare(c, "SELECT metrics FROM run WHERE id = ?", runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ProjectException("no run " + runId);
                }
                old = rs.getString(1);
            }
            ArrayNode arr;
            try {
                JsonNode n = Sql.JSON.readTree(old == null || old.isBlank() ? "[]" : old);
                arr = n.isArray() ? (ArrayNode) n : Sql.JSON.createArrayNode();
            } catch (IOException e) {
                arr = Sql.JSON.createArrayNode();
            }
            ObjectNode ev = arr.addObject();
            ev.put("step", step);
            ObjectNode v = ev.putObject("values");
            values.forEach(v::put);
            Sql.update(c, "UPDATE run SET metrics = ?, updated_at = ? WHERE id = ?", arr.toString(), System.currentTimeMillis(), runId);
            return null;
        });
    }

    /** Every run, newest first. */
    public List<RunRecord> all() {
        return db.query(c -> runQuery(c, "SELECT * FROM run ORDER BY created_at DESC, rowid DESC"));
    }

    public Optional<RunRecord> byId(String runId) {
        return db.query(c -> runQuery(c, "SELECT * FROM run WHERE id = ?", runId).stream().findFirst());
    }

    private static List<RunRecord> runQuery(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> new RunRecord(rs.getString("id"), rs.getString("kind"), rs.getString("config"), rs.getString("device"),
                        rs.getLong("data_revision"), rs.getString("metrics"), rs.getString("state"), rs.getLong("step"), rs.getLong("total"),
                        rs.getString("checkpoint"), rs.getString("message"), rs.getLong("created_at"), rs.getLong("updated_at")), args);
    }
}
