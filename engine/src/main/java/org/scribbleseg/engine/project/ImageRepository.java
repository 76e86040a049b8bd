package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.prepare;
import static org.scribbleseg.engine.project.Sql.update;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The images of a project: referenced files (relative path + sha256), their size, split, status and file stamp. */
public final class ImageRepository {
    private final ProjectDb db;

    ImageRepository(ProjectDb db) {
        this.db = db;
    }

    /**
     * Adds an image by reference. {@code file} is stored relative to the project folder when possible, so a project
     * moved together with its images keeps working. Fails if an image with the same sha256 is already present.
     */
    public ImageEntry add(Path file, String sha256, int width, int height, Split split) {
        String stored = storedPath(file);
        FileStamp stamp = FileStamp.of(file).orElse(null);
        ImageEntry e = db.tx(c -> {
            Optional<ImageEntry> dup = bySha(c, sha256);
            if (dup.isPresent()) {
                throw new ProjectException("duplicate image: " + file + " has the same content as " + dup.get().path());
            }
            long id = Sql.insert(c, "INSERT INTO image(path, sha256, width, height, split, status, added_at, file_size, file_mtime) "
                    + "VALUES (?,?,?,?,?,?,?,?,?)", stored, sha256, width, height, (split == null ? Split.NONE : split).name(),
                    ImageStatus.UNLABELLED.name(), System.currentTimeMillis(), stamp == null ? null : stamp.size(),
                    stamp == null ? null : stamp.mtimeMillis());
            return byId(c, id).orElseThrow();
        });
        db.fire(e.id());
        return e;
    }

    /**
     * The size and modification time recorded for each image's file when its content was last confirmed, by image
     * id; images without a record yet are absent. See {@link ImageIntegrity}.
     */
    public Map<Long, FileStamp> fileStamps() {
        return db.query(c -> {
            Map<Long, FileStamp> out = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, file_size, file_mtime FROM image WHERE file_size IS NOT NULL AND file_mtime IS NOT NULL")) {
                while (rs.next()) {
                    out.put(rs.getLong(1), new FileStamp(rs.getLong(2), rs.getLong(3)));
                }
            }
            return out;
        });
    }

    /** Records that the image's file, with this size and time, still has the stored content (no revision change). */
    public void confirmFileStamp(long imageId, FileStamp stamp) {
        db.tx(c -> update(c, "UPDATE image SET file_size = ?, file_mtime = ? WHERE id = ?", stamp.size(), stamp.mtimeMillis(), imageId));
    }

    /**
     * Accepts the new content of an image's file (re-link): its sha256, size and stamp are replaced and its stored
     * predictions dropped (they were of the old pixels). Labels are kept only when the size did not change; with
     * {@code dropLabels} its strokes, tags and masks are cleared (undoable) in the same transaction.
     */
    public ImageEntry relink(long imageId, String sha256, int width, int height, FileStamp stamp, boolean dropLabels) {
        ImageEntry e = db.tx(c -> {
            ImageEntry img = require(c, imageId);
            Optional<ImageEntry> dup = bySha(c, sha256);
            if (dup.isPresent() && dup.get().id() != imageId) {
                throw new ProjectException("cannot re-link " + img.path() + ": its new content is the same as image " + dup.get().path());
            }
            boolean labelled = Sql.count(c, "SELECT (SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL) "
                    + "+ (SELECT count(*) FROM mask WHERE image_id = ? AND active = 1) + (SELECT count(*) FROM tag WHERE image_id = ?)",
                    imageId, imageId, imageId) > 0;
            if (!dropLabels && labelled && (width != img.width() || height != img.height())) {
                throw new ProjectException(img.path() + " is now " + width + "x" + height + " but its labels were drawn on "
                        + img.width() + "x" + img.height() + ": drop its labels to re-link it. Nothing was changed.");
            }
            update(c, "UPDATE image SET sha256 = ?, width = ?, height = ?, file_size = ?, file_mtime = ? WHERE id = ?", sha256, width,
                    height, stamp == null ? null : stamp.size(), stamp == null ? null : stamp.mtimeMillis(), imageId);
            update(c, "DELETE FROM prediction WHERE image_id = ?", imageId);
            if (dropLabels && labelled) {
                UndoLog.clearLabels(c, imageId);
            }
            db.bumpRevision(c, imageId);
            return require(c, imageId);
        });
        db.fire(imageId);
        return e;
    }

    private String storedPath(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            Path rel = db.root().relativize(abs);
            return rel.toString().replace('\\', '/');
        } catch (IllegalArgumentException differentRoot) {
            return abs.toString();
        }
    }

    /** Absolute path of an image's file. */
    public Path resolve(ImageEntry e) {
        return db.root().resolve(e.path()).normalize();
    }

    public List<ImageEntry> all() {
        return db.query(c -> imageQuery(c, "SELECT * FROM image ORDER BY id"));
    }

    /**
     * The images just after and just before {@code id} in the order of {@link #all()} (next first; either may be
     * missing): two lookups on the primary key, where reading the whole table for them took a 10,000-row query.
     */
    public List<ImageEntry> neighbours(long id) {
        return db.query(c -> {
            List<ImageEntry> out = new java.util.ArrayList<>(2);
            out.addAll(imageQuery(c, "SELECT * FROM image WHERE id > ? ORDER BY id LIMIT 1", id));
            out.addAll(imageQuery(c, "SELECT * FROM image WHERE id < ? ORDER BY id DESC LIMIT 1", id));
            return out;
        });
    }

    public List<ImageEntry> withStatus(ImageStatus status) {
        return db.query(c -> imageQuery(c, "SELECT * FROM image WHERE status = ? ORDER BY id", status.name()));
    }

    public int count() {
        return db.query(c -> (int) Sql.count(c, "SELECT count(*) FROM image"));
    }

    public Optional<ImageEntry> byId(long id) {
        return db.query(c -> byId(c, id));
    }

    public Optional<ImageEntry> bySha(String sha256) {
        return db.query(c -> bySha(c, sha256));
    }

    public void setSplit(long imageId, Split split) {
        db.tx(c -> {
            require(c, imageId);
            update(c, "UPDATE image SET split = ? WHERE id = ?", split.name(), imageId);
            return null;
        });
    }

    /** Number of images per status. */
    public Map<ImageStatus, Integer> statusCounts() {
        return db.query(c -> {
            Map<ImageStatus, Integer> m = new EnumMap<>(ImageStatus.class);
            for (ImageStatus s : ImageStatus.values()) {
                m.put(s, 0);
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT status, count(*) FROM image GROUP BY status")) {
                while (rs.next()) {
                    m.put(ImageStatus.valueOf(rs.getString(1)), rs.getInt(2));
                }
            }
            return m;
        });
    }

    static Optional<ImageEntry> byId(Connection c, long id) throws SQLException {
        return imageQuery(c, "SELECT * FROM image WHERE id = ?", id).stream().findFirst();
    }

    private static Optional<ImageEntry> bySha(Connection c, String sha) throws SQLException {
        return imageQuery(c, "SELECT * FROM image WHERE sha256 = ?", sha).stream().findFirst();
    }

    static ImageEntry require(Connection c, long id) throws SQLException {
        return byId(c, id).orElseThrow(() -> new ProjectException("no image with id " + id + " in this project"));
    }

    private static List<ImageEntry> imageQuery(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> new ImageEntry(rs.getLong("id"), rs.getString("path"), rs.getString("sha256"), rs.getInt("width"),
                        rs.getInt("height"), Split.valueOf(rs.getString("split")), ImageStatus.valueOf(rs.getString("status"))), args);
    }
}
