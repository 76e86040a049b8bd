package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.count;
import static org.scribbleseg.engine.project.Sql.prepare;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.MaskCodec;

/**
 * Stored predictions, one per (image, run): label map, optional confidence bytes, mean uncertainty, and for a
 * prediction kept while the image was untouched the revision of the head that made it.
 */
public final class PredictionRepository {
    private final ProjectDb db;

    PredictionRepository(ProjectDb db) {
        this.db = db;
    }

    /** A stored prediction with the revision of the head that made it. */
    public record HeadPrediction(LabelMap labels, long headRevision) {
    }

    public void save(long imageId, String runId, LabelMap labels, byte[] confidence, double meanUncertainty) {
        db.tx(c -> {
            ImageRepository.require(c, imageId);
            write(c, imageId, runId, labels, confidence, meanUncertainty, null);
            return null;
        });
    }

    /**
     * Keeps {@code labels} as run {@code runId}'s prediction of an image while the user had not touched it when the
     * prediction was seen (at {@code seenAtMillis}): no stroke (undone ones included), no mask (ever), no tag and no
     * logged action from before then; a newer one replaces it. Returns false, saving nothing, when the image was
     * touched by then. A touch after {@code seenAtMillis} does not count: the prediction was seen first.
     */
    public boolean saveIfUntouched(long imageId, String runId, LabelMap labels, long headRevision, long seenAtMillis) {
        return db.tx(c -> {
            ImageRepository.require(c, imageId);
            if (count(c, "SELECT (SELECT count(*) FROM stroke WHERE image_id = ? AND created_at <= ?) "
                    + "+ (SELECT count(*) FROM mask WHERE image_id = ? AND created_at <= ?) + (SELECT count(*) FROM tag WHERE image_id = ?) "
                    + "+ (SELECT count(*) FROM action WHERE image_id = ? AND created_at <= ?)", imageId, seenAtMillis, imageId, seenAtMillis,
                    imageId, imageId, seenAtMillis) > 0) {
                return false;
            }
            write(c, imageId, runId, labels, null, Double.NaN, headRevision);
            return true;
        });
    }

    private static void write(Connection c, long imageId, String runId, LabelMap labels, byte[] confidence,
            double meanUncertainty, Long headRevision) throws SQLException {
        Sql.update(c, "INSERT INTO prediction(image_id, run_id, png, confidence, mean_uncertainty, created_at, "
                + "head_revision) VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id, run_id) DO UPDATE SET png = excluded.png, "
                + "confidence = excluded.confidence, mean_uncertainty = excluded.mean_uncertainty, created_at = excluded.created_at, "
                + "head_revision = excluded.head_revision", imageId, runId, MaskCodec.encode(labels),
                confidence == null ? null : MaskCodec.encode(new LabelMap(labels.width(), labels.height(), confidence)),
                meanUncertainty, System.currentTimeMillis(), headRevision);
    }

    /** The stored prediction of an image by one run (e.g. "zeroshot-clip"). */
    public Optional<ProjectStore.PredictionRecord> of(long imageId, String runId) {
        return db.query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT png, confidence, mean_uncertainty FROM prediction WHERE image_id = ? AND run_id = ?",
                    imageId, runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                byte[] conf = rs.getBytes(2);
                return Optional.of(new ProjectStore.PredictionRecord(imageId, runId, MaskCodec.decode(rs.getBytes(1)),
                        conf == null ? null : MaskCodec.decode(conf).data(), rs.getDouble(3)));
            }
        });
    }

    /** Run {@code runId}'s prediction of an image saved with a head revision ({@link #saveIfUntouched}). */
    public Optional<HeadPrediction> withHeadRevision(long imageId, String runId) {
        return db.query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT png, head_revision FROM prediction WHERE image_id = ? AND run_id = ? "
                    + "AND head_revision IS NOT NULL", imageId, runId); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new HeadPrediction(MaskCodec.decode(rs.getBytes(1)), rs.getLong(2))) : Optional.empty();
            }
        });
    }

    /** Ids of the images that have a stored prediction of run {@code runId}. */
    public List<Long> imagesWith(String runId) {
        return db.query(c -> Sql.ids(c, "SELECT image_id FROM prediction WHERE run_id = ? ORDER BY image_id", runId));
    }

    /** The newest stored prediction of an image, of any run. */
    public Optional<ProjectStore.PredictionRecord> latest(long imageId) {
        return db.query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT run_id, png, confidence, mean_uncertainty FROM prediction WHERE image_id = ? "
                    + "ORDER BY created_at DESC, rowid DESC LIMIT 1", imageId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                LabelMap labels = MaskCodec.decode(rs.getBytes(2));
                byte[] conf = rs.getBytes(3);
                return Optional.of(new ProjectStore.PredictionRecord(imageId, rs.getString(1), labels,
                        conf == null ? null : MaskCodec.decode(conf).data(), rs.getDouble(4)));
            }
        });
    }

    /**
     * The mean uncertainty of each image's newest stored prediction (of any run), by image id; images without a
     * stored prediction, or whose newest has none (NaN), are absent. One query, no label maps decoded.
     */
    public Map<Long, Double> latestMeanUncertainties() {
        return db.query(c -> {
            Map<Long, Double> out = new HashMap<>();
            try (PreparedStatement ps = prepare(c, "SELECT p.image_id, p.mean_uncertainty FROM prediction p WHERE p.rowid = "
                    + "(SELECT q.rowid FROM prediction q WHERE q.image_id = p.image_id ORDER BY q.created_at DESC, q.rowid DESC LIMIT 1)");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double u = rs.getDouble(2);
                    if (!rs.wasNull() && !Double.isNaN(u)) {
                        out.put(rs.getLong(1), u);
                    }
                }
            }
            return out;
        });
    }
}
