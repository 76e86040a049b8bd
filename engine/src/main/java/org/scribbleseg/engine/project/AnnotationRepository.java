package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.prepare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strokes and tags: append-only strokes (undo is a tombstone), per-image tags, each change one undoable action
 * ({@link UndoLog}). {@link #changesSince} tells a reader at revision r which images to read again.
 */
public final class AnnotationRepository {
    private final ProjectDb db;

    AnnotationRepository(ProjectDb db) {
        this.db = db;
    }

    /**
     * Commits a stroke, recording how long the user drew it: durable on disk before this returns. {@code classId}
     * is required for SCRIBBLE and POINT and must be null for ERASE and IGNORE. Clears the image's redo history.
     */
    public Stroke commitStroke(long imageId, Long classId, StrokeKind kind, float radius, float[] points, long durationMs) {
        if (points == null || points.length < 2 || points.length % 2 != 0) {
            throw new ProjectException("a stroke needs at least one (x, y) point");
        }
        if (kind == StrokeKind.POINT && points.length != 2) {
            throw new ProjectException("a point stroke has exactly one (x, y) point");
        }
        if (!(radius > 0) || radius > 10_000) {
            throw new ProjectException("brush radius must be in (0, 10000] pixels, got " + radius);
        }
        for (float f : points) {
            if (!Float.isFinite(f)) {
                throw new ProjectException("stroke points must be finite numbers");
            }
        }
        if (kind.needsClass() != (classId != null)) {
            throw new ProjectException(kind.needsClass() ? kind + " strokes need a class" : kind + " strokes take no class");
        }
        Stroke s = db.tx(c -> {
            ImageRepository.require(c, imageId);
            if (classId != null) {
                ClassRepository.require(c, classId);
            }
            long now = System.currentTimeMillis();
            long id = Sql.insert(c, "INSERT INTO stroke(image_id, class_id, kind, radius, points, created_at, duration_ms) VALUES (?,?,?,?,?,?,?)",
                    imageId, classId, kind.name(), radius, encodePoints(points), now, Math.max(0, durationMs));
            ObjectNode p = Sql.JSON.createObjectNode().put("stroke", id);
            UndoLog.logAction(c, imageId, "STROKE", p);
            UndoLog.refreshStatus(c, imageId);
            db.bumpRevision(c, imageId);
            return new Stroke(id, imageId, classId, kind, radius, points.clone(), now);
        });
        db.fire(imageId);
        return s;
    }

    /** Active (not undone) strokes of an image, oldest first: the drawing order. */
    public List<Stroke> strokes(long imageId) {
        return db.query(c -> strokesOf(c, imageId));
    }

    /** Active strokes of every image, grouped by image id (ascending), each list in drawing order. */
    public Map<Long, List<Stroke>> allStrokes() {
        return db.query(c -> {
            Map<Long, List<Stroke>> m = new LinkedHashMap<>();
            for (Stroke s : strokeQuery(c, "SELECT * FROM stroke WHERE undone_at IS NULL ORDER BY image_id, id")) {
                m.computeIfAbsent(s.imageId(), k -> new ArrayList<>()).add(s);
            }
            return m;
        });
    }

    /** Number of active strokes per class id (ERASE/IGNORE under null key excluded). */
    public Map<Long, Long> strokeCountsByClass() {
        return db.query(c -> {
            Map<Long, Long> m = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT class_id, count(*) FROM stroke WHERE undone_at IS NULL AND class_id IS NOT NULL GROUP BY class_id")) {
                while (rs.next()) {
                    m.put(rs.getLong(1), rs.getLong(2));
                }
            }
            return m;
        });
    }

    /**
     * What changed since revision {@code since}: the images whose strokes, tags or mask changed, or "everything"
     * (a class changed, another program wrote, or it is too long ago). The live loop re-reads only those images.
     */
    public AnnotationChanges changesSince(long since) {
        return db.changesSince(since);
    }

    static List<Stroke> strokesOf(Connection c, long imageId) throws SQLException {
        return strokeQuery(c, "SELECT * FROM stroke WHERE image_id = ? AND undone_at IS NULL ORDER BY id", imageId);
    }

    private static List<Stroke> strokeQuery(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> {
            long cls = rs.getLong("class_id");
            Long classId = rs.wasNull() ? null : cls;
            return new Stroke(rs.getLong("id"), rs.getLong("image_id"), classId, StrokeKind.valueOf(rs.getString("kind")),
                    rs.getFloat("radius"), decodePoints(rs.getBytes("points")), rs.getLong("created_at"));
        }, args);
    }

    static byte[] encodePoints(float[] points) {
        ByteBuffer b = ByteBuffer.allocate(points.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : points) {
            b.putFloat(f);
        }
        return b.array();
    }

    static float[] decodePoints(byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        float[] p = new float[blob.length / 4];
        for (int i = 0; i < p.length; i++) {
            p[i] = b.getFloat();
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------------ tags

    /** Sets a tag: present true/false, or null for unknown (removes it). Undoable. */
    public void setTag(long imageId, long classId, Boolean present) {
        boolean changed = db.tx(c -> {
            ImageRepository.require(c, imageId);
            ClassRepository.require(c, classId);
            Boolean before = tagValue(c, imageId, classId);
            if (Objects.equals(before, present)) {
                return false;
            }
            writeTag(c, imageId, classId, present);
            ObjectNode p = Sql.JSON.createObjectNode().put("class", classId);
            Sql.putBool(p, "before", before);
            Sql.putBool(p, "after", present);
            UndoLog.logAction(c, imageId, "TAG", p);
            UndoLog.refreshStatus(c, imageId);
            db.bumpRevision(c, imageId);
            return true;
        });
        if (changed) {
            db.fire(imageId);
        }
    }

    public List<Tag> tags(long imageId) {
        return db.query(c -> tagsOf(c, imageId));
    }

    /** Label values (VOC indices) of the classes tagged absent on an image: predictions must not use them. */
    public Set<Integer> absentClassValues(long imageId) {
        return db.query(c -> {
            Set<Integer> out = new TreeSet<>();
            try (PreparedStatement ps = prepare(c, "SELECT c.voc_index FROM tag t JOIN class c ON c.id = t.class_id "
                    + "WHERE t.image_id = ? AND t.present = 0", imageId); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
    }

    public List<Tag> allTags() {
        return db.query(c -> tagQuery(c, "SELECT * FROM tag ORDER BY image_id, class_id"));
    }

    static List<Tag> tagsOf(Connection c, long imageId) throws SQLException {
        return tagQuery(c, "SELECT * FROM tag WHERE image_id = ? ORDER BY class_id", imageId);
    }

    private static List<Tag> tagQuery(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> new Tag(rs.getLong("image_id"), rs.getLong("class_id"), rs.getInt("present") != 0), args);
    }

    private static Boolean tagValue(Connection c, long imageId, long classId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT present FROM tag WHERE image_id = ? AND class_id = ?", imageId, classId);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) != 0 : null;
        }
    }

    static void writeTag(Connection c, long imageId, long classId, Boolean present) throws SQLException {
        if (present == null) {
            Sql.update(c, "DELETE FROM tag WHERE image_id = ? AND class_id = ?", imageId, classId);
        } else {
            Sql.update(c, "INSERT INTO tag(image_id, class_id, present) VALUES (?,?,?) "
                    + "ON CONFLICT(image_id, class_id) DO UPDATE SET present = excluded.present", imageId, classId, present ? 1 : 0);
        }
    }
}
