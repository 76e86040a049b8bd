package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.count;
import static org.scribbleseg.engine.project.Sql.prepare;
import static org.scribbleseg.engine.project.Sql.update;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Per-image undo and redo over the action log ({@code action} table) that covers strokes, tags, accepted masks and
 * "clear"; and each image's status, which follows its labels.
 */
public final class UndoLog {
    private final ProjectDb db;

    UndoLog(ProjectDb db) {
        this.db = db;
    }

    /** Removes every stroke, tag and the accepted mask of an image in one undoable action. */
    public void clearImage(long imageId) {
        boolean changed = db.tx(c -> {
            ImageRepository.require(c, imageId);
            if (!clearLabels(c, imageId)) {
                return false;
            }
            db.bumpRevision(c, imageId);
            return true;
        });
        if (changed) {
            db.fire(imageId);
        }
    }

    /** Clears an image's strokes, tags and mask as one CLEAR action; false when it had none. */
    static boolean clearLabels(Connection c, long imageId) throws SQLException {
        long now = System.currentTimeMillis();
        List<Stroke> active = AnnotationRepository.strokesOf(c, imageId);
        List<Tag> tags = AnnotationRepository.tagsOf(c, imageId);
        Long mask = MaskRepository.activeMaskId(c, imageId);
        if (active.isEmpty() && tags.isEmpty() && mask == null) {
            return false;
        }
        ObjectNode p = Sql.JSON.createObjectNode();
        var strokes = p.putArray("strokes");
        for (Stroke s : active) {
            strokes.add(s.id());
            update(c, "UPDATE stroke SET undone_at = ? WHERE id = ?", now, s.id());
        }
        var tagArr = p.putArray("tags");
        for (Tag t : tags) {
            tagArr.addObject().put("class", t.classId()).put("present", t.present());
        }
        update(c, "DELETE FROM tag WHERE image_id = ?", imageId);
        Sql.putLong(p, "mask", mask);
        update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
        logAction(c, imageId, "CLEAR", p);
        refreshStatus(c, imageId);
        return true;
    }

    /** Undoes the image's latest action (stroke, tag, mask, clear). Empty when there is nothing to undo. */
    public Optional<ProjectStore.UndoResult> undo(long imageId) {
        return step(imageId, false);
    }

    /** Redoes the most recently undone action of the image. Empty when there is nothing to redo. */
    public Optional<ProjectStore.UndoResult> redo(long imageId) {
        return step(imageId, true);
    }

    private Optional<ProjectStore.UndoResult> step(long imageId, boolean redo) {
        Optional<ProjectStore.UndoResult> r = db.tx(c -> {
            ImageRepository.require(c, imageId);
            Optional<Long> a = redo ? lastAction(c, imageId, 1, "ASC") : lastAction(c, imageId, 0, "DESC");
            if (a.isEmpty()) {
                return Optional.<ProjectStore.UndoResult>empty();
            }
            ProjectStore.UndoResult res = applyAction(c, imageId, a.get(), redo);
            update(c, "UPDATE action SET state = ? WHERE id = ?", redo ? 0 : 1, a.get());
            refreshStatus(c, imageId);
            db.bumpRevision(c, imageId);
            return Optional.of(res);
        });
        r.ifPresent(x -> db.fire(imageId));
        return r;
    }

    public boolean canUndo(long imageId) {
        return db.query(c -> lastAction(c, imageId, 0, "DESC").isPresent());
    }

    public boolean canRedo(long imageId) {
        return db.query(c -> lastAction(c, imageId, 1, "ASC").isPresent());
    }

    private static Optional<Long> lastAction(Connection c, long imageId, int state, String order) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT id FROM action WHERE image_id = ? AND state = ? ORDER BY id " + order + " LIMIT 1",
                imageId, state); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    private static ProjectStore.UndoResult applyAction(Connection c, long imageId, long actionId, boolean redo) throws SQLException {
        String kind;
        JsonNode p;
        try (PreparedStatement ps = prepare(c, "SELECT kind, payload FROM action WHERE id = ?", actionId); ResultSet rs = ps.executeQuery()) {
            rs.next();
            kind = rs.getString(1);
            try {
                p = Sql.JSON.readTree(rs.getString(2));
            } catch (IOException e) {
                throw new ProjectException("damaged undo record " + actionId + ": " + e.getMessage(), e);
            }
        }
        long now = System.currentTimeMillis();
        String verb = redo ? "redo" : "undo";
        switch (kind) {
            case "STROKE" -> {
                update(c, "UPDATE stroke SET undone_at = ? WHERE id = ?", redo ? null : now, p.get("stroke").asLong());
                return new ProjectStore.UndoResult(kind, verb + " stroke");
            }
            case "TAG" -> {
                Boolean v = Sql.readBool(p, redo ? "after" : "before");
                AnnotationRepository.writeTag(c, imageId, p.get("class").asLong(), v);
                return new ProjectStore.UndoResult(kind, verb + " tag");
            }
            case "MASK" -> {
                Long target = redo ? Sql.readLong(p, "after") : Sql.readLong(p, "before");
                update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
                if (target != null) {
                    update(c, "UPDATE mask SET active = 1 WHERE id = ?", target);
                }
                return new ProjectStore.UndoResult(kind, verb + " accepted mask");
            }
            case "CLEAR" -> {
                for (JsonNode s : p.get("strokes")) {
                    update(c, "UPDATE stroke SET undone_at = ? WHERE id = ?", redo ? now : null, s.asLong());
                }
                for (JsonNode t : p.get("tags")) {
                    AnnotationRepository.writeTag(c, imageId, t.get("class").asLong(), redo ? null : t.get("present").asBoolean());
                }
                Long mask = Sql.readLong(p, "mask");
                if (mask != null) {
                    update(c, "UPDATE mask SET active = ? WHERE id = ?", redo ? 0 : 1, mask);
                }
                return new ProjectStore.UndoResult(kind, verb + " clear image");
            }
            default -> throw new ProjectException("unknown undo record kind " + kind);
        }
    }

    static void logAction(Connection c, long imageId, String kind, ObjectNode payload) throws SQLException {
        // a new action ends the redo history of this image
        update(c, "UPDATE action SET state = 2 WHERE image_id = ? AND state = 1", imageId);
        update(c, "INSERT INTO action(image_id, kind, payload, state, created_at) VALUES (?,?,?,0,?)",
                imageId, kind, payload.toString(), System.currentTimeMillis());
    }

    /** DONE with a complete mask; IN_PROGRESS with a partial or reopened mask, strokes or tags; else UNLABELLED. */
    static void refreshStatus(Connection c, long imageId) throws SQLException {
        ImageStatus s;
        long masks = count(c, "SELECT count(*) FROM mask WHERE image_id = ? AND active = 1 AND source NOT IN (?, ?)", imageId,
                MaskRecord.PARTIAL, MaskRecord.REOPENED);
        if (masks > 0) {
            s = ImageStatus.DONE;
        } else if (MaskRepository.activeMaskId(c, imageId) != null
                || count(c, "SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL", imageId) > 0
                || count(c, "SELECT count(*) FROM tag WHERE image_id = ?", imageId) > 0) {
            s = ImageStatus.IN_PROGRESS;
        } else {
            s = ImageStatus.UNLABELLED;
        }
        update(c, "UPDATE image SET status = ? WHERE id = ?", s.name(), imageId);
    }
}
