package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.prepare;
import static org.scribbleseg.engine.project.Sql.update;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.MaskCodec;

/** Dense masks: one active version per image, the earlier ones kept for undo; done / reopened. */
public final class MaskRepository {
    private final ProjectDb db;

    MaskRepository(ProjectDb db) {
        this.db = db;
    }

    /**
     * Sets (accepts) an image's dense mask; the previous one stays in history for undo. Marks the image done unless
     * {@code source} is {@link MaskRecord#PARTIAL} or {@link MaskRecord#REOPENED} (then it is in progress). The mask
     * must have the image's size. Listeners hear {@link StoreListener#maskSet} after the change.
     */
    public void set(long imageId, LabelMap mask, String source) {
        long revision = db.tx(c -> {
            ImageEntry img = ImageRepository.require(c, imageId);
            if (mask.width() != img.width() || mask.height() != img.height()) {
                throw new ProjectException("mask is " + mask.width() + "x" + mask.height() + " but image " + img.path()
                        + " is " + img.width() + "x" + img.height());
            }
            return insertMask(c, imageId, MaskCodec.encode(mask), source);
        });
        db.fire(imageId);
        db.tell(l -> l.maskSet(imageId, mask, source, revision));
    }

    /**
     * Marks an image with a complete mask done or not done (D): an accepted mask is reopened (source
     * {@link MaskRecord#REOPENED}: in progress, not exported as done, still training data); a reopened one is
     * accepted again. Undoable like any mask change. Refused without a mask, or with a partial one.
     *
     * @return the image's status afterwards
     */
    public ImageStatus toggleDone(long imageId) {
        ImageStatus after = db.tx(c -> {
            ImageRepository.require(c, imageId);
            String source;
            byte[] png;
            try (PreparedStatement ps = prepare(c, "SELECT png, source FROM mask WHERE image_id = ? AND active = 1", imageId);
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ProjectException("this image has no mask to mark done: accept the prediction (A) first");
                }
                png = rs.getBytes(1);
                source = rs.getString(2);
            }
            if (MaskRecord.PARTIAL.equals(source)) {
                throw new ProjectException("only some regions of this image are in its mask: accept the prediction (A) to complete it");
            }
            insertMask(c, imageId, png, MaskRecord.REOPENED.equals(source) ? MaskRecord.ACCEPTED : MaskRecord.REOPENED);
            return ImageRepository.require(c, imageId).status();
        });
        db.fire(imageId);
        return after;
    }

    /** A new active mask version (the previous one stays for undo), logged as one MASK action; status follows. */
    private long insertMask(Connection c, long imageId, byte[] png, String source) throws SQLException {
        Long before = activeMaskId(c, imageId);
        long revision = db.bumpRevision(c, imageId);
        update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
        long id = Sql.insert(c, "INSERT INTO mask(image_id, png, source, revision, created_at, active) VALUES (?,?,?,?,?,1)",
                imageId, png, source, revision, System.currentTimeMillis());
        ObjectNode p = Sql.JSON.createObjectNode();
        Sql.putLong(p, "before", before);
        p.put("after", id);
        UndoLog.logAction(c, imageId, "MASK", p);
        UndoLog.refreshStatus(c, imageId);
        return revision;
    }

    /** The image's accepted mask, if any. */
    public Optional<MaskRecord> of(long imageId) {
        return db.query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT png, source, revision FROM mask WHERE image_id = ? AND active = 1", imageId);
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new MaskRecord(imageId, MaskCodec.decode(rs.getBytes(1)), rs.getString(2), rs.getLong(3)));
            }
        });
    }

    /** Whether the image has an active mask. */
    public boolean has(long imageId) {
        return db.query(c -> activeMaskId(c, imageId) != null);
    }

    /** Ids of images that have an accepted mask. */
    public List<Long> imagesWithMask() {
        return db.query(c -> Sql.ids(c, "SELECT image_id FROM mask WHERE active = 1 ORDER BY image_id"));
    }

    static Long activeMaskId(Connection c, long imageId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT id FROM mask WHERE image_id = ? AND active = 1", imageId);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : null;
        }
    }

    /** Rewrites label value {@code from} to {@code to} in every stored mask (history included) and prediction. */
    static void remapLabels(Connection c, int from, int to) throws SQLException {
        remapLabels(c, "SELECT id, png FROM mask", "UPDATE mask SET png = ? WHERE id = ?", from, to);
        remapLabels(c, "SELECT rowid, png FROM prediction", "UPDATE prediction SET png = ? WHERE rowid = ?", from, to);
    }

    /** One pass over the label PNGs {@code select} reads as (key, png); those holding {@code from} are rewritten. */
    private static void remapLabels(Connection c, String select, String update, int from, int to) throws SQLException {
        Map<Long, LabelMap> changed = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(select); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                LabelMap m = MaskCodec.decode(rs.getBytes(2));
                if (contains(m, from)) {
                    byte[] d = m.data();
                    for (int i = 0; i < d.length; i++) {
                        if ((d[i] & 0xff) == from) {
                            d[i] = (byte) to;
                        }
                    }
                    changed.put(rs.getLong(1), m);
                }
            }
        }
        for (Map.Entry<Long, LabelMap> e : changed.entrySet()) {
            update(c, update, MaskCodec.encode(e.getValue()), e.getKey());
        }
    }

    static boolean contains(LabelMap m, int value) {
        for (byte b : m.data()) {
            if ((b & 0xff) == value) {
                return true;
            }
        }
        return false;
    }
}
