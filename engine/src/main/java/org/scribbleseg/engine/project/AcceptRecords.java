package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.count;
import static org.scribbleseg.engine.project.Sql.prepare;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The accept history's rows: per accepted image, the scores a tracker measured (first look against the accepted
 * mask) and the effort the image took. The store only keeps them; measuring is the tracker's
 * ({@code eval.AcceptTracker}).
 */
public final class AcceptRecords {
    private final ProjectDb db;

    AcceptRecords(ProjectDb db) {
        this.db = db;
    }

    /**
     * Records the scores of an image's accept, with its active strokes and drawing time now. A re-accept replaces the
     * image's record (keeping its place in the history): the chart shows one point per image, against its final mask.
     */
    public AcceptRecord record(long imageId, double accuracy, double meanIoU, long headRevision) {
        return db.tx(c -> {
            ImageRepository.require(c, imageId);
            long strokes = count(c, "SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL", imageId);
            long ms = count(c, "SELECT coalesce(sum(duration_ms), 0) FROM stroke WHERE image_id = ?", imageId);
            Sql.update(c, "INSERT INTO accept_record(image_id, accepted_at, accuracy, miou, strokes, duration_ms, head_revision) "
                    + "VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id) DO UPDATE SET accepted_at = excluded.accepted_at, "
                    + "accuracy = excluded.accuracy, miou = excluded.miou, strokes = excluded.strokes, duration_ms = excluded.duration_ms, "
                    + "head_revision = excluded.head_revision", imageId, System.currentTimeMillis(), accuracy, meanIoU,
                    strokes, ms, headRevision);
            return query(c, "SELECT * FROM accept_record WHERE image_id = ?", imageId).get(0);
        });
    }

    /**
     * The accept records of the images whose mask is accepted now, in the order the images were first accepted. An
     * accept undone (or cleared, or replaced by a partial mask) hides its record; redone, it shows again.
     */
    public List<AcceptRecord> history() {
        return db.query(c -> query(c, "SELECT * FROM accept_record a WHERE EXISTS (SELECT 1 FROM mask m WHERE m.image_id = a.image_id "
                + "AND m.active = 1 AND m.source = ?) ORDER BY id", MaskRecord.ACCEPTED));
    }

    private static List<AcceptRecord> query(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> new AcceptRecord(rs.getLong("id"), rs.getLong("image_id"), rs.getLong("accepted_at"), rs.getDouble("accuracy"),
                        rs.getDouble("miou"), rs.getInt("strokes"), rs.getLong("duration_ms"), rs.getLong("head_revision")), args);
    }
}
