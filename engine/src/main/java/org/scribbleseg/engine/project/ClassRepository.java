package org.scribbleseg.engine.project;

import static org.scribbleseg.engine.project.Sql.count;
import static org.scribbleseg.engine.project.Sql.prepare;
import static org.scribbleseg.engine.project.Sql.update;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.scribbleseg.engine.image.MaskCodec;

/**
 * The classes of a project: name, colour, VOC index, definition and concepts, palette order. Every change is one
 * transaction that bumps the revision project-wide; a new VOC index or a deleted class rewrites the stored masks
 * and predictions in the same transaction ({@link MaskRepository#remapLabels}).
 */
public final class ClassRepository {
    private final ProjectDb db;

    ClassRepository(ProjectDb db) {
        this.db = db;
    }

    /** Adds a class; {@code vocIndex} null = the lowest free index. */
    public ClassDef add(String name, int rgb, Integer vocIndex, String definition, List<String> concepts) {
        String clean = requireName(name);
        ClassDef added = db.tx(c -> {
            int index = vocIndex != null ? vocIndex : lowestFreeIndex(c);
            if (index < 0 || index > 254) {
                throw new ProjectException("VOC index must be 0..254 (255 is void), got " + index);
            }
            if (byName(c, clean).isPresent()) {
                throw new ProjectException("a class named '" + clean + "' already exists");
            }
            if (byIndex(c, index).isPresent()) {
                throw new ProjectException("VOC index " + index + " is already used by class '" + byIndex(c, index).get().name() + "'");
            }
            int position;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(position) + 1, 0) FROM class")) {
                position = rs.getInt(1);
            }
            long id = Sql.insert(c, "INSERT INTO class(name, color, voc_index, definition, concepts, position) VALUES (?,?,?,?,?,?)",
                    clean, rgb & 0xffffff, index, definition == null ? "" : definition, joinConcepts(concepts), position);
            db.bumpRevision(c, -1);
            return byId(c, id).orElseThrow();
        });
        db.fire(-1);
        return added;
    }

    public void rename(long id, String name) {
        String clean = requireName(name);
        change(c -> {
            ClassDef cls = require(c, id);
            Optional<ClassDef> other = byName(c, clean);
            if (other.isPresent() && other.get().id() != id) {
                throw new ProjectException("a class named '" + clean + "' already exists");
            }
            update(c, "UPDATE class SET name = ? WHERE id = ?", clean, cls.id());
        });
    }

    public void recolor(long id, int rgb) {
        change(c -> {
            require(c, id);
            update(c, "UPDATE class SET color = ? WHERE id = ?", rgb & 0xffffff, id);
        });
    }

    /** Sets the definition text and zero-shot concepts of a class. */
    public void describe(long id, String definition, List<String> concepts) {
        change(c -> {
            require(c, id);
            update(c, "UPDATE class SET definition = ?, concepts = ? WHERE id = ?",
                    definition == null ? "" : definition, joinConcepts(concepts), id);
        });
    }

    /**
     * Gives a class another VOC index (0..254, not held by another class). Every stored mask (history included) and
     * every stored prediction is rewritten from the old value to the new one in the same transaction.
     */
    public void setIndex(long id, int newIndex) {
        if (newIndex < 0 || newIndex > 254) {
            throw new ProjectException("VOC index must be 0..254 (255 is void), got " + newIndex);
        }
        boolean changed = db.tx(c -> {
            ClassDef cls = require(c, id);
            if (cls.vocIndex() == newIndex) {
                return false;
            }
            Optional<ClassDef> other = byIndex(c, newIndex);
            if (other.isPresent()) {
                throw new ProjectException("VOC index " + newIndex + " is already used by class '" + other.get().name() + "'");
            }
            update(c, "UPDATE class SET voc_index = ? WHERE id = ?", newIndex, id);
            MaskRepository.remapLabels(c, cls.vocIndex(), newIndex);
            db.bumpRevision(c, -1);
            return true;
        });
        if (changed) {
            db.fire(-1);
        }
    }

    /** Moves a class to {@code newPosition} in the palette order (0-based), shifting the others. */
    public void move(long id, int newPosition) {
        change(c -> {
            List<ClassDef> list = new ArrayList<>(all(c));
            ClassDef cls = require(c, id);
            list.removeIf(x -> x.id() == id);
            list.add(Math.max(0, Math.min(newPosition, list.size())), cls);
            for (int i = 0; i < list.size(); i++) {
                update(c, "UPDATE class SET position = ? WHERE id = ?", i, list.get(i).id());
            }
        });
    }

    public ProjectStore.ClassUsage usage(long id) {
        return db.query(c -> usage(c, require(c, id)));
    }

    /**
     * Deletes a class. If it has labels (strokes, tags or mask pixels), {@code reassignTo} must name the class that
     * takes them over; otherwise a {@link ProjectException} says what would be lost and nothing changes.
     */
    public void delete(long id, Long reassignTo) {
        change(c -> {
            ClassDef cls = require(c, id);
            ProjectStore.ClassUsage u = usage(c, cls);
            if (!u.isEmpty()) {
                if (reassignTo == null) {
                    throw new ProjectException("class '" + cls.name() + "' has " + u.strokes() + " strokes, " + u.tags()
                            + " tags and " + u.masks() + " masks with its pixels; choose a class to move them to");
                }
                if (reassignTo == id) {
                    throw new ProjectException("cannot move the labels of '" + cls.name() + "' to itself");
                }
                ClassDef target = require(c, reassignTo);
                update(c, "UPDATE stroke SET class_id = ? WHERE class_id = ?", target.id(), id);
                // a tag on the deleted class merges into the target's: present wins over absent
                update(c, "INSERT INTO tag(image_id, class_id, present) SELECT image_id, ?, present FROM tag WHERE class_id = ? "
                        + "ON CONFLICT(image_id, class_id) DO UPDATE SET present = max(present, excluded.present)", target.id(), id);
                MaskRepository.remapLabels(c, cls.vocIndex(), target.vocIndex());
            }
            update(c, "DELETE FROM tag WHERE class_id = ?", id);
            update(c, "DELETE FROM class WHERE id = ?", id);
        });
    }

    /** A project-wide change in one transaction, the revision bumped, the listeners told. */
    private void change(SqlChange work) {
        db.tx(c -> {
            work.run(c);
            db.bumpRevision(c, -1);
            return null;
        });
        db.fire(-1);
    }

    @FunctionalInterface
    private interface SqlChange {
        void run(Connection c) throws SQLException;
    }

    private static ProjectStore.ClassUsage usage(Connection c, ClassDef cls) throws SQLException {
        long strokes = count(c, "SELECT count(*) FROM stroke WHERE class_id = ?", cls.id());
        long tags = count(c, "SELECT count(*) FROM tag WHERE class_id = ?", cls.id());
        long masks = 0;
        for (byte[] png : Sql.blobs(c, "SELECT png FROM mask")) {
            if (MaskRepository.contains(MaskCodec.decode(png), cls.vocIndex())) {
                masks++;
            }
        }
        return new ProjectStore.ClassUsage(strokes, tags, masks);
    }

    /** Classes in palette order. */
    public List<ClassDef> all() {
        return db.query(ClassRepository::all);
    }

    public Optional<ClassDef> byId(long id) {
        return db.query(c -> byId(c, id));
    }

    public Optional<ClassDef> byName(String name) {
        return db.query(c -> byName(c, name));
    }

    public Optional<ClassDef> byIndex(int vocIndex) {
        return db.query(c -> byIndex(c, vocIndex));
    }

    static List<ClassDef> all(Connection c) throws SQLException {
        return classQuery(c, "SELECT * FROM class ORDER BY position, id");
    }

    static Optional<ClassDef> byId(Connection c, long id) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE id = ?", id).stream().findFirst();
    }

    private static Optional<ClassDef> byName(Connection c, String name) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE name = ?", name.strip()).stream().findFirst();
    }

    private static Optional<ClassDef> byIndex(Connection c, int index) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE voc_index = ?", index).stream().findFirst();
    }

    static ClassDef require(Connection c, long id) throws SQLException {
        return byId(c, id).orElseThrow(() -> new ProjectException("no class with id " + id + " in this project"));
    }

    private static List<ClassDef> classQuery(Connection c, String sql, Object... args) throws SQLException {
        return Sql.list(c, sql, rs -> {
            String concepts = rs.getString("concepts");
            return new ClassDef(rs.getLong("id"), rs.getString("name"), rs.getInt("color"), rs.getInt("voc_index"),
                    rs.getString("definition"), concepts.isEmpty() ? List.of() : Arrays.asList(concepts.split("\n")),
                    rs.getInt("position"));
        }, args);
    }

    private static int lowestFreeIndex(Connection c) throws SQLException {
        boolean[] used = new boolean[255];
        for (ClassDef d : all(c)) {
            used[d.vocIndex()] = true;
        }
        for (int i = 0; i < 255; i++) {
            if (!used[i]) {
                return i;
            }
        }
        throw new ProjectException("all 255 class indices are in use");
    }

    private static String requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new ProjectException("a class needs a name");
        }
        String n = name.strip();
        if (n.contains("\n") || n.contains(":")) {
            throw new ProjectException("class names cannot contain ':' or line breaks: '" + n + "'");
        }
        return n;
    }

    private static String joinConcepts(List<String> concepts) {
        if (concepts == null) {
            return "";
        }
        return String.join("\n", concepts.stream().map(String::strip).filter(s -> !s.isEmpty()).toList());
    }
}
