package org.scribbleseg.engine.project;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.scribbleseg.engine.eval.Metrics;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.image.MaskCodec;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A ScribbleSeg project on disk: a folder (conventionally {@code <name>.sseg/}) with {@code project.db} (SQLite,
 * WAL, foreign keys on, forward migrations keyed by {@code PRAGMA user_version}) and the folders {@code cache/},
 * {@code models/} and {@code exports/}.
 *
 * <p>Every user action is one transaction, committed (fsynced: {@code synchronous=FULL}) before the method returns.
 * Strokes are append-only; undo writes a tombstone. Undo/redo is per image over an action log covering strokes,
 * tags, accepted masks and "clear". Listeners hear {@link StoreListener#annotationsChanged} after each commit, on
 * the calling thread. All methods are thread-safe (serialised on this store).
 */
public final class ProjectStore implements AutoCloseable {
    public static final String DB_FILE = "project.db";
    public static final String EXTENSION = ".sseg";
    /** Run id of the live head's first look at an image the user had not touched (see {@link #saveFirstLook}). */
    public static final String FIRST_LOOK_RUN = "first-look";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Connection db;
    private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
    private final List<String> notices = new CopyOnWriteArrayList<>();
    private final boolean readOnly;
    private boolean closed;

    private ProjectStore(Path root, Connection db, boolean readOnly) {
        this.root = root;
        this.db = db;
        this.readOnly = readOnly;
    }

    // ------------------------------------------------------------------------------------------------ open/create

    /** Creates a new, empty project in {@code dir} (created if missing; must not already hold a project). */
    public static ProjectStore create(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        if (Files.exists(root.resolve(DB_FILE))) {
            throw new ProjectException("a project already exists in " + root);
        }
        try {
            Files.createDirectories(root);
            for (String sub : List.of("cache", "models", "exports")) {
                Files.createDirectories(root.resolve(sub));
            }
        } catch (IOException e) {
            throw new ProjectException("cannot create project folder " + root + ": " + e.getMessage(), e);
        }
        ProjectStore store = connect(root, true);
        store.tx(c -> {
            store.setMeta(c, "created_at", Long.toString(System.currentTimeMillis()));
            store.setMeta(c, "revision", "0");
            return null;
        });
        return store;
    }

    /**
     * Opens an existing project, migrating its schema forward (after keeping a copy of the old file, see
     * {@link #notices()}). Fails clearly, touching nothing, on a bad file. A project whose folder or database cannot be
     * written is opened read-only: everything can be read, nothing saved ({@link #isReadOnly()}).
     */
    public static ProjectStore open(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        Path dbFile = root.resolve(DB_FILE);
        if (!Files.isRegularFile(dbFile)) {
            throw new ProjectException("no ScribbleSeg project in " + root + " (missing " + DB_FILE + ")");
        }
        ProjectFiles.refuseEmpty(dbFile);
        boolean readOnly = ProjectFiles.isReadOnly(root, dbFile);
        int version = checkReadable(dbFile);
        String notice = null;
        if (version < Schema.latestVersion()) {
            if (readOnly) {
                throw new ProjectException("project " + root + " is read-only and was written by an older ScribbleSeg (schema v" + version
                        + "; this version needs v" + Schema.latestVersion() + "): make it writable once so it can be upgraded. Nothing was changed.");
            }
            Path backup = ProjectFiles.backupBeforeMigration(dbFile, version);
            notice = "upgraded the project database from schema v" + version + " to v" + Schema.latestVersion()
                    + "; the old file is kept as " + backup;
        }
        ProjectStore store;
        if (readOnly) {
            try {
                store = new ProjectStore(root, ProjectFiles.openReadOnly(dbFile), true);
            } catch (SQLException e) {
                throw new ProjectException("cannot open read-only project database " + dbFile + ": " + describe(e), e);
            }
            store.notices.add("project " + root + " is read-only: it can be read and exported, not changed");
            return store;
        }
        store = connect(root, false);
        if (notice != null) {
            store.notices.add(notice);
        }
        try {
            for (String sub : List.of("cache", "models", "exports")) {
                Files.createDirectories(root.resolve(sub)); // not kept by version control or copies
            }
        } catch (IOException e) {
            store.close();
            throw new ProjectException("cannot create the working folders of " + root + ": " + e.getMessage(), e);
        }
        return store;
    }

    /** What opening the project did or found that the user should hear (a schema upgrade and its backup, read-only). */
    public List<String> notices() {
        return List.copyOf(notices);
    }

    /** Whether this project was opened read-only (its folder or database cannot be written): every save fails. */
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Whether {@code dir} holds a project.db. */
    public static boolean isProject(Path dir) {
        return Files.isRegularFile(dir.resolve(DB_FILE));
    }

    /**
     * Read-only pre-flight: a damaged file or one from a newer version is refused before anything is written.
     * Returns the file's schema version.
     */
    private static int checkReadable(Path dbFile) {
        try (Connection c = ProjectFiles.openReadOnly(dbFile); Statement s = c.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > Schema.latestVersion()) {
                throw new ProjectException("project " + dbFile.getParent() + " was written by a newer ScribbleSeg (schema v"
                        + version + "; this version reads up to v" + Schema.latestVersion() + "). Update ScribbleSeg to open it.");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                String r = rs.next() ? rs.getString(1) : "no answer";
                if (!"ok".equalsIgnoreCase(r)) {
                    throw new ProjectException("project database " + dbFile + " is damaged (" + r
                            + "). Nothing was changed; restore it from a backup or run `sqlite3 project.db .recover`.");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('class','image','stroke')")) {
                if (version == 0 || rs.getInt(1) != 3) {
                    throw new ProjectException(dbFile + " is an SQLite database but not a ScribbleSeg project. Nothing was changed.");
                }
            }
            return version;
        } catch (SQLException e) {
            throw new ProjectException("cannot open project database " + dbFile + ": " + describe(e)
                    + ". Nothing was changed.", e);
        }
    }

    private static String describe(SQLException e) {
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

    private static ProjectStore connect(Path root, boolean fresh) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.enforceForeignKeys(true);
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(BusyRetry.busyTimeoutMillis());
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        Connection c;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve(DB_FILE), cfg.toProperties());
        } catch (SQLException e) {
            throw new ProjectException("cannot open project database in " + root + ": " + describe(e), e);
        }
        ProjectStore store = new ProjectStore(root, c, false);
        try {
            store.migrate();
        } catch (RuntimeException e) {
            store.closeQuietly();
            throw e;
        }
        return store;
    }

    private void migrate() {
        try (Statement s = db.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > Schema.latestVersion()) {
                throw new ProjectException("project " + root + " was written by a newer ScribbleSeg (schema v" + version + ")");
            }
            for (int v = version; v < Schema.latestVersion(); v++) {
                final int target = v + 1;
                tx(c -> {
                    try (Statement m = c.createStatement()) {
                        for (String sql : Schema.MIGRATIONS.get(target - 1).split(";")) {
                            if (!sql.isBlank()) {
                                m.execute(sql);
                            }
                        }
                        m.execute("PRAGMA user_version = " + target);
                    }
                    return null;
                });
            }
        } catch (SQLException e) {
            throw new ProjectException("cannot migrate project " + root + ": " + describe(e), e);
        }
    }

    /** Schema version of the open database. */
    public synchronized int schemaVersion() {
        return query(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return rs.getInt(1);
            }
        });
    }

    public Path root() {
        return root;
    }

    public Path cacheDir() {
        return root.resolve("cache");
    }

    public Path modelsDir() {
        return root.resolve("models");
    }

    public Path exportsDir() {
        return root.resolve("exports");
    }

    /** Project name: the folder name without {@code .sseg}. */
    public String name() {
        String n = root.getFileName().toString();
        return n.endsWith(EXTENSION) ? n.substring(0, n.length() - EXTENSION.length()) : n;
    }

    public void addListener(StoreListener l) {
        listeners.add(l);
    }

    public void removeListener(StoreListener l) {
        listeners.remove(l);
    }

    /** Annotation revision: grows by one with every change to strokes, tags, masks or classes. */
    public synchronized long revision() {
        return query(c -> Long.parseLong(getMeta(c, "revision").orElse("0")));
    }

    // ------------------------------------------------------------------------------------------------ classes

    /** Adds a class; {@code vocIndex} null = the lowest free index. */
    public ClassDef addClass(String name, int rgb, Integer vocIndex, String definition, List<String> concepts) {
        String clean = requireName(name);
        ClassDef added = tx(c -> {
            int index = vocIndex != null ? vocIndex : lowestFreeIndex(c);
            if (index < 0 || index > 254) {
                throw new ProjectException("VOC index must be 0..254 (255 is void), got " + index);
            }
            if (classByName(c, clean).isPresent()) {
                throw new ProjectException("a class named '" + clean + "' already exists");
            }
            if (classByIndex(c, index).isPresent()) {
                throw new ProjectException("VOC index " + index + " is already used by class '" + classByIndex(c, index).get().name() + "'");
            }
            int position;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(position) + 1, 0) FROM class")) {
                position = rs.getInt(1);
            }
            long id;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO class(name, color, voc_index, definition, concepts, position) VALUES (?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, clean);
                ps.setInt(2, rgb & 0xffffff);
                ps.setInt(3, index);
                ps.setString(4, definition == null ? "" : definition);
                ps.setString(5, joinConcepts(concepts));
                ps.setInt(6, position);
                ps.executeUpdate();
                id = generatedKey(ps);
            }
            bumpRevision(c);
            return classById(c, id).orElseThrow();
        });
        fire(-1);
        return added;
    }

    public void renameClass(long id, String name) {
        String clean = requireName(name);
        tx(c -> {
            ClassDef cls = requireClass(c, id);
            Optional<ClassDef> other = classByName(c, clean);
            if (other.isPresent() && other.get().id() != id) {
                throw new ProjectException("a class named '" + clean + "' already exists");
            }
            update(c, "UPDATE class SET name = ? WHERE id = ?", clean, cls.id());
            bumpRevision(c);
            return null;
        });
        fire(-1);
    }

    public void recolorClass(long id, int rgb) {
        tx(c -> {
            requireClass(c, id);
            update(c, "UPDATE class SET color = ? WHERE id = ?", rgb & 0xffffff, id);
            bumpRevision(c);
            return null;
        });
        fire(-1);
    }

    /** Sets the definition text and zero-shot concepts of a class. */
    public void describeClass(long id, String definition, List<String> concepts) {
        tx(c -> {
            requireClass(c, id);
            update(c, "UPDATE class SET definition = ?, concepts = ? WHERE id = ?",
                    definition == null ? "" : definition, joinConcepts(concepts), id);
            bumpRevision(c);
            return null;
        });
        fire(-1);
    }

    /**
     * Gives a class another VOC index (0..254, not held by another class). Every stored mask (history included) and
     * every stored prediction is rewritten from the old value to the new one in the same transaction.
     */
    public void setClassIndex(long id, int newIndex) {
        if (newIndex < 0 || newIndex > 254) {
            throw new ProjectException("VOC index must be 0..254 (255 is void), got " + newIndex);
        }
        boolean changed = tx(c -> {
            ClassDef cls = requireClass(c, id);
            if (cls.vocIndex() == newIndex) {
                return false;
            }
            Optional<ClassDef> other = classByIndex(c, newIndex);
            if (other.isPresent()) {
                throw new ProjectException("VOC index " + newIndex + " is already used by class '" + other.get().name() + "'");
            }
            update(c, "UPDATE class SET voc_index = ? WHERE id = ?", newIndex, id);
            remapMasks(c, cls.vocIndex(), newIndex);
            bumpRevision(c);
            return true;
        });
        if (changed) {
            fire(-1);
        }
    }

    /** Moves a class to {@code newPosition} in the palette order (0-based), shifting the others. */
    public void moveClass(long id, int newPosition) {
        tx(c -> {
            List<ClassDef> list = new ArrayList<>(classes(c));
            ClassDef cls = requireClass(c, id);
            list.removeIf(x -> x.id() == id);
            list.add(Math.max(0, Math.min(newPosition, list.size())), cls);
            for (int i = 0; i < list.size(); i++) {
                update(c, "UPDATE class SET position = ? WHERE id = ?", i, list.get(i).id());
            }
            bumpRevision(c);
            return null;
        });
        fire(-1);
    }

    /** What labels a class carries: what deleting it would touch. */
    public record ClassUsage(long strokes, long tags, long masks) {
        public boolean isEmpty() {
            return strokes == 0 && tags == 0 && masks == 0;
        }
    }

    public synchronized ClassUsage classUsage(long id) {
        return query(c -> usage(c, requireClass(c, id)));
    }

    /**
     * Deletes a class. If it has labels (strokes, tags or mask pixels), {@code reassignTo} must name the class that
     * takes them over; otherwise a {@link ProjectException} says what would be lost and nothing changes.
     */
    public void deleteClass(long id, Long reassignTo) {
        tx(c -> {
            ClassDef cls = requireClass(c, id);
            ClassUsage u = usage(c, cls);
            if (!u.isEmpty()) {
                if (reassignTo == null) {
                    throw new ProjectException("class '" + cls.name() + "' has " + u.strokes() + " strokes, " + u.tags()
                            + " tags and " + u.masks() + " masks with its pixels; choose a class to move them to");
                }
                if (reassignTo == id) {
                    throw new ProjectException("cannot move the labels of '" + cls.name() + "' to itself");
                }
                ClassDef target = requireClass(c, reassignTo);
                update(c, "UPDATE stroke SET class_id = ? WHERE class_id = ?", target.id(), id);
                // a tag on the deleted class merges into the target's: present wins over absent
                update(c, "INSERT INTO tag(image_id, class_id, present) SELECT image_id, ?, present FROM tag WHERE class_id = ? "
                        + "ON CONFLICT(image_id, class_id) DO UPDATE SET present = max(present, excluded.present)", target.id(), id);
                remapMasks(c, cls.vocIndex(), target.vocIndex());
            }
            update(c, "DELETE FROM tag WHERE class_id = ?", id);
            update(c, "DELETE FROM class WHERE id = ?", id);
            bumpRevision(c);
            return null;
        });
        fire(-1);
    }

    private ClassUsage usage(Connection c, ClassDef cls) throws SQLException {
        long strokes = count(c, "SELECT count(*) FROM stroke WHERE class_id = ?", cls.id());
        long tags = count(c, "SELECT count(*) FROM tag WHERE class_id = ?", cls.id());
        long masks = 0;
        for (byte[] png : blobs(c, "SELECT png FROM mask")) {
            if (contains(MaskCodec.decode(png), cls.vocIndex())) {
                masks++;
            }
        }
        return new ClassUsage(strokes, tags, masks);
    }

    /** Rewrites label value {@code from} to {@code to} in every stored mask (history included) and prediction. */
    private void remapMasks(Connection c, int from, int to) throws SQLException {
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
            try (PreparedStatement ps = c.prepareStatement(update)) {
                ps.setBytes(1, MaskCodec.encode(e.getValue()));
                ps.setLong(2, e.getKey());
                ps.executeUpdate();
            }
        }
    }

    private static boolean contains(LabelMap m, int value) {
        for (byte b : m.data()) {
            if ((b & 0xff) == value) {
                return true;
            }
        }
        return false;
    }

    /** Classes in palette order. */
    public synchronized List<ClassDef> classes() {
        return query(this::classes);
    }

    public synchronized Optional<ClassDef> classById(long id) {
        return query(c -> classById(c, id));
    }

    public synchronized Optional<ClassDef> classByName(String name) {
        return query(c -> classByName(c, name));
    }

    public synchronized Optional<ClassDef> classByIndex(int vocIndex) {
        return query(c -> classByIndex(c, vocIndex));
    }

    private List<ClassDef> classes(Connection c) throws SQLException {
        return classQuery(c, "SELECT * FROM class ORDER BY position, id");
    }

    private Optional<ClassDef> classById(Connection c, long id) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE id = ?", id).stream().findFirst();
    }

    private Optional<ClassDef> classByName(Connection c, String name) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE name = ?", name.strip()).stream().findFirst();
    }

    private Optional<ClassDef> classByIndex(Connection c, int index) throws SQLException {
        return classQuery(c, "SELECT * FROM class WHERE voc_index = ?", index).stream().findFirst();
    }

    private ClassDef requireClass(Connection c, long id) throws SQLException {
        return classById(c, id).orElseThrow(() -> new ProjectException("no class with id " + id + " in this project"));
    }

    private List<ClassDef> classQuery(Connection c, String sql, Object... args) throws SQLException {
        List<ClassDef> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String concepts = rs.getString("concepts");
                out.add(new ClassDef(rs.getLong("id"), rs.getString("name"), rs.getInt("color"), rs.getInt("voc_index"),
                        rs.getString("definition"), concepts.isEmpty() ? List.of() : Arrays.asList(concepts.split("\n")),
                        rs.getInt("position")));
            }
        }
        return out;
    }

    private int lowestFreeIndex(Connection c) throws SQLException {
        boolean[] used = new boolean[255];
        for (ClassDef d : classes(c)) {
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

    // ------------------------------------------------------------------------------------------------ images

    /**
     * Adds an image by reference. {@code file} is stored relative to the project folder when possible, so a project
     * moved together with its images keeps working. Fails if an image with the same sha256 is already present.
     */
    public ImageEntry addImage(Path file, String sha256, int width, int height, Split split) {
        String stored = storedPath(file);
        FileStamp stamp = FileStamp.of(file).orElse(null);
        ImageEntry e = tx(c -> {
            Optional<ImageEntry> dup = imageBySha(c, sha256);
            if (dup.isPresent()) {
                throw new ProjectException("duplicate image: " + file + " has the same content as " + dup.get().path());
            }
            long id = insert(c, "INSERT INTO image(path, sha256, width, height, split, status, added_at, file_size, file_mtime) "
                    + "VALUES (?,?,?,?,?,?,?,?,?)", stored, sha256, width, height, (split == null ? Split.NONE : split).name(),
                    ImageStatus.UNLABELLED.name(), System.currentTimeMillis(), stamp == null ? null : stamp.size(),
                    stamp == null ? null : stamp.mtimeMillis());
            return imageById(c, id).orElseThrow();
        });
        fire(e.id());
        return e;
    }

    /**
     * The size and modification time recorded for each image's file when its content was last confirmed, by image
     * id; images without a record yet are absent. See {@link ImageIntegrity}.
     */
    public synchronized Map<Long, FileStamp> fileStamps() {
        return query(c -> {
            Map<Long, FileStamp> out = new java.util.HashMap<>();
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
        tx(c -> update(c, "UPDATE image SET file_size = ?, file_mtime = ? WHERE id = ?", stamp.size(), stamp.mtimeMillis(), imageId));
    }

    /**
     * Accepts the new content of an image's file (re-link): its sha256, size and stamp are replaced and its stored
     * predictions dropped (they were of the old pixels). Labels are kept only when the size did not change; with
     * {@code dropLabels} its strokes, tags and masks are cleared (undoable) in the same transaction.
     */
    public ImageEntry relinkImage(long imageId, String sha256, int width, int height, FileStamp stamp, boolean dropLabels) {
        ImageEntry e = tx(c -> {
            ImageEntry img = requireImage(c, imageId);
            Optional<ImageEntry> dup = imageBySha(c, sha256);
            if (dup.isPresent() && dup.get().id() != imageId) {
                throw new ProjectException("cannot re-link " + img.path() + ": its new content is the same as image " + dup.get().path());
            }
            boolean labelled = count(c, "SELECT (SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL) "
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
                clearLabels(c, imageId);
            }
            bumpRevision(c);
            return requireImage(c, imageId);
        });
        fire(imageId);
        return e;
    }

    private String storedPath(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            Path rel = root.relativize(abs);
            return rel.toString().replace('\\', '/');
        } catch (IllegalArgumentException differentRoot) {
            return abs.toString();
        }
    }

    /** Absolute path of an image's file. */
    public Path resolve(ImageEntry e) {
        return root.resolve(e.path()).normalize();
    }

    public synchronized List<ImageEntry> images() {
        return query(c -> imageQuery(c, "SELECT * FROM image ORDER BY id"));
    }

    public synchronized List<ImageEntry> images(ImageStatus status) {
        return query(c -> imageQuery(c, "SELECT * FROM image WHERE status = ? ORDER BY id", status.name()));
    }

    public synchronized int imageCount() {
        return query(c -> (int) count(c, "SELECT count(*) FROM image"));
    }

    public synchronized Optional<ImageEntry> image(long id) {
        return query(c -> imageById(c, id));
    }

    public synchronized Optional<ImageEntry> imageBySha(String sha256) {
        return query(c -> imageBySha(c, sha256));
    }

    public void setSplit(long imageId, Split split) {
        tx(c -> {
            requireImage(c, imageId);
            update(c, "UPDATE image SET split = ? WHERE id = ?", split.name(), imageId);
            return null;
        });
    }

    /** Number of images per status. */
    public synchronized Map<ImageStatus, Integer> statusCounts() {
        return query(c -> {
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

    private Optional<ImageEntry> imageById(Connection c, long id) throws SQLException {
        return imageQuery(c, "SELECT * FROM image WHERE id = ?", id).stream().findFirst();
    }

    private Optional<ImageEntry> imageBySha(Connection c, String sha) throws SQLException {
        return imageQuery(c, "SELECT * FROM image WHERE sha256 = ?", sha).stream().findFirst();
    }

    private ImageEntry requireImage(Connection c, long id) throws SQLException {
        return imageById(c, id).orElseThrow(() -> new ProjectException("no image with id " + id + " in this project"));
    }

    private List<ImageEntry> imageQuery(Connection c, String sql, Object... args) throws SQLException {
        List<ImageEntry> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new ImageEntry(rs.getLong("id"), rs.getString("path"), rs.getString("sha256"), rs.getInt("width"),
                        rs.getInt("height"), Split.valueOf(rs.getString("split")), ImageStatus.valueOf(rs.getString("status"))));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ strokes

    /**
     * Commits a stroke: durable on disk before this returns. {@code classId} is required for SCRIBBLE and POINT and
     * must be null for ERASE and IGNORE. Clears the image's redo history.
     */
    public Stroke commitStroke(long imageId, Long classId, StrokeKind kind, float radius, float[] points) {
        return commitStroke(imageId, classId, kind, radius, points, 0);
    }

    /** As {@link #commitStroke(long, Long, StrokeKind, float, float[])}, recording how long the user drew it. */
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
        Stroke s = tx(c -> {
            requireImage(c, imageId);
            if (classId != null) {
                requireClass(c, classId);
            }
            long now = System.currentTimeMillis();
            long id;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO stroke(image_id, class_id, kind, radius, points, created_at, duration_ms) VALUES (?,?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setLong(1, imageId);
                if (classId == null) {
                    ps.setNull(2, Types.INTEGER);
                } else {
                    ps.setLong(2, classId);
                }
                ps.setString(3, kind.name());
                ps.setFloat(4, radius);
                ps.setBytes(5, encodePoints(points));
                ps.setLong(6, now);
                ps.setLong(7, Math.max(0, durationMs));
                ps.executeUpdate();
                id = generatedKey(ps);
            }
            ObjectNode p = JSON.createObjectNode().put("stroke", id);
            logAction(c, imageId, "STROKE", p);
            refreshStatus(c, imageId);
            bumpRevision(c);
            return new Stroke(id, imageId, classId, kind, radius, points.clone(), now);
        });
        fire(imageId);
        return s;
    }

    /** Active (not undone) strokes of an image, oldest first: the drawing order. */
    public synchronized List<Stroke> strokes(long imageId) {
        return query(c -> strokeQuery(c, "SELECT * FROM stroke WHERE image_id = ? AND undone_at IS NULL ORDER BY id", imageId));
    }

    /** Active strokes of every image, grouped by image id (ascending), each list in drawing order. */
    public synchronized Map<Long, List<Stroke>> allStrokes() {
        return query(c -> {
            Map<Long, List<Stroke>> m = new LinkedHashMap<>();
            for (Stroke s : strokeQuery(c, "SELECT * FROM stroke WHERE undone_at IS NULL ORDER BY image_id, id")) {
                m.computeIfAbsent(s.imageId(), k -> new ArrayList<>()).add(s);
            }
            return m;
        });
    }

    /** Number of active strokes per class id (ERASE/IGNORE under null key excluded). */
    public synchronized Map<Long, Long> strokeCountsByClass() {
        return query(c -> {
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

    private List<Stroke> strokeQuery(Connection c, String sql, Object... args) throws SQLException {
        List<Stroke> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long cls = rs.getLong("class_id");
                Long classId = rs.wasNull() ? null : cls;
                out.add(new Stroke(rs.getLong("id"), rs.getLong("image_id"), classId, StrokeKind.valueOf(rs.getString("kind")),
                        rs.getFloat("radius"), decodePoints(rs.getBytes("points")), rs.getLong("created_at")));
            }
        }
        return out;
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
        boolean changed = tx(c -> {
            requireImage(c, imageId);
            requireClass(c, classId);
            Boolean before = tagValue(c, imageId, classId);
            if (java.util.Objects.equals(before, present)) {
                return false;
            }
            writeTag(c, imageId, classId, present);
            ObjectNode p = JSON.createObjectNode().put("class", classId);
            putBool(p, "before", before);
            putBool(p, "after", present);
            logAction(c, imageId, "TAG", p);
            refreshStatus(c, imageId);
            bumpRevision(c);
            return true;
        });
        if (changed) {
            fire(imageId);
        }
    }

    public synchronized List<Tag> tags(long imageId) {
        return query(c -> tagQuery(c, "SELECT * FROM tag WHERE image_id = ? ORDER BY class_id", imageId));
    }

    /** Label values (VOC indices) of the classes tagged absent on an image: predictions must not use them. */
    public synchronized java.util.Set<Integer> absentClassValues(long imageId) {
        return query(c -> {
            java.util.Set<Integer> out = new java.util.TreeSet<>();
            try (PreparedStatement ps = prepare(c, "SELECT c.voc_index FROM tag t JOIN class c ON c.id = t.class_id "
                    + "WHERE t.image_id = ? AND t.present = 0", imageId); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
    }

    public synchronized List<Tag> allTags() {
        return query(c -> tagQuery(c, "SELECT * FROM tag ORDER BY image_id, class_id"));
    }

    private List<Tag> tagQuery(Connection c, String sql, Object... args) throws SQLException {
        List<Tag> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Tag(rs.getLong("image_id"), rs.getLong("class_id"), rs.getInt("present") != 0));
            }
        }
        return out;
    }

    private Boolean tagValue(Connection c, long imageId, long classId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT present FROM tag WHERE image_id = ? AND class_id = ?", imageId, classId);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) != 0 : null;
        }
    }

    private void writeTag(Connection c, long imageId, long classId, Boolean present) throws SQLException {
        if (present == null) {
            update(c, "DELETE FROM tag WHERE image_id = ? AND class_id = ?", imageId, classId);
        } else {
            update(c, "INSERT INTO tag(image_id, class_id, present) VALUES (?,?,?) "
                    + "ON CONFLICT(image_id, class_id) DO UPDATE SET present = excluded.present", imageId, classId, present ? 1 : 0);
        }
    }

    // ------------------------------------------------------------------------------------------------ masks

    /**
     * Sets (accepts) an image's dense mask; the previous one stays in history for undo. Marks the image done unless
     * {@code source} is {@link MaskRecord#PARTIAL} or {@link MaskRecord#REOPENED} (then it is in progress). The mask
     * must have the image's size.
     */
    public void setMask(long imageId, LabelMap mask, String source) {
        AcceptRecord accepted = tx(c -> {
            ImageEntry img = requireImage(c, imageId);
            if (mask.width() != img.width() || mask.height() != img.height()) {
                throw new ProjectException("mask is " + mask.width() + "x" + mask.height() + " but image " + img.path()
                        + " is " + img.width() + "x" + img.height());
            }
            insertMask(c, imageId, MaskCodec.encode(mask), source);
            return MaskRecord.ACCEPTED.equals(source) ? recordAccept(c, imageId, mask) : null;
        });
        fire(imageId);
        if (accepted != null) {
            for (StoreListener l : listeners) {
                l.maskAccepted(accepted);
            }
        }
    }

    /**
     * Marks an image with a complete mask done or not done (D): an accepted mask is reopened (source
     * {@link MaskRecord#REOPENED}: in progress, not exported as done, still training data); a reopened one is
     * accepted again. Undoable like any mask change. Refused without a mask, or with a partial one.
     *
     * @return the image's status afterwards
     */
    public ImageStatus toggleDone(long imageId) {
        ImageStatus after = tx(c -> {
            requireImage(c, imageId);
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
            return imageById(c, imageId).orElseThrow().status();
        });
        fire(imageId);
        return after;
    }

    /** A new active mask version (the previous one stays for undo), logged as one MASK action; status follows. */
    private void insertMask(Connection c, long imageId, byte[] png, String source) throws SQLException {
        Long before = activeMaskId(c, imageId);
        long revision = bumpRevision(c);
        update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
        long id = insert(c, "INSERT INTO mask(image_id, png, source, revision, created_at, active) VALUES (?,?,?,?,?,1)",
                imageId, png, source, revision, System.currentTimeMillis());
        ObjectNode p = JSON.createObjectNode();
        putLong(p, "before", before);
        p.put("after", id);
        logAction(c, imageId, "MASK", p);
        refreshStatus(c, imageId);
    }

    /** The image's accepted mask, if any. */
    public synchronized Optional<MaskRecord> mask(long imageId) {
        return query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT png, source, revision FROM mask WHERE image_id = ? AND active = 1", imageId);
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new MaskRecord(imageId, MaskCodec.decode(rs.getBytes(1)), rs.getString(2), rs.getLong(3)));
            }
        });
    }

    /** Ids of images that have an accepted mask. */
    public synchronized List<Long> imagesWithMask() {
        return query(c -> {
            List<Long> ids = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT image_id FROM mask WHERE active = 1 ORDER BY image_id")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        });
    }

    private Long activeMaskId(Connection c, long imageId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT id FROM mask WHERE image_id = ? AND active = 1", imageId);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : null;
        }
    }

    // ------------------------------------------------------------------------------------------------ clear, undo, redo

    /** Removes every stroke, tag and the accepted mask of an image in one undoable action. */
    public void clearImage(long imageId) {
        boolean changed = tx(c -> {
            requireImage(c, imageId);
            if (!clearLabels(c, imageId)) {
                return false;
            }
            bumpRevision(c);
            return true;
        });
        if (changed) {
            fire(imageId);
        }
    }

    /** Clears an image's strokes, tags and mask as one CLEAR action; false when it had none. */
    private boolean clearLabels(Connection c, long imageId) throws SQLException {
        long now = System.currentTimeMillis();
        List<Stroke> active = strokeQuery(c, "SELECT * FROM stroke WHERE image_id = ? AND undone_at IS NULL ORDER BY id", imageId);
        List<Tag> tags = tagQuery(c, "SELECT * FROM tag WHERE image_id = ?", imageId);
        Long mask = activeMaskId(c, imageId);
        if (active.isEmpty() && tags.isEmpty() && mask == null) {
            return false;
        }
        ObjectNode p = JSON.createObjectNode();
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
        putLong(p, "mask", mask);
        update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
        logAction(c, imageId, "CLEAR", p);
        refreshStatus(c, imageId);
        return true;
    }

    /** What an undo or redo did. */
    public record UndoResult(String kind, String description) {
    }

    /** Undoes the image's latest action (stroke, tag, mask, clear). Empty when there is nothing to undo. */
    public Optional<UndoResult> undo(long imageId) {
        Optional<UndoResult> r = tx(c -> {
            requireImage(c, imageId);
            Optional<long[]> a = lastAction(c, imageId, 0, "DESC");
            if (a.isEmpty()) {
                return Optional.<UndoResult>empty();
            }
            UndoResult res = applyAction(c, imageId, a.get()[0], false);
            update(c, "UPDATE action SET state = 1 WHERE id = ?", a.get()[0]);
            refreshStatus(c, imageId);
            bumpRevision(c);
            return Optional.of(res);
        });
        r.ifPresent(x -> fire(imageId));
        return r;
    }

    /** Redoes the most recently undone action of the image. Empty when there is nothing to redo. */
    public Optional<UndoResult> redo(long imageId) {
        Optional<UndoResult> r = tx(c -> {
            requireImage(c, imageId);
            Optional<long[]> a = lastAction(c, imageId, 1, "ASC");
            if (a.isEmpty()) {
                return Optional.<UndoResult>empty();
            }
            UndoResult res = applyAction(c, imageId, a.get()[0], true);
            update(c, "UPDATE action SET state = 0 WHERE id = ?", a.get()[0]);
            refreshStatus(c, imageId);
            bumpRevision(c);
            return Optional.of(res);
        });
        r.ifPresent(x -> fire(imageId));
        return r;
    }

    public synchronized boolean canUndo(long imageId) {
        return query(c -> lastAction(c, imageId, 0, "DESC").isPresent());
    }

    public synchronized boolean canRedo(long imageId) {
        return query(c -> lastAction(c, imageId, 1, "ASC").isPresent());
    }

    private Optional<long[]> lastAction(Connection c, long imageId, int state, String order) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT id FROM action WHERE image_id = ? AND state = ? ORDER BY id " + order + " LIMIT 1",
                imageId, state); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new long[] {rs.getLong(1)}) : Optional.empty();
        }
    }

    private UndoResult applyAction(Connection c, long imageId, long actionId, boolean redo) throws SQLException {
        String kind;
        JsonNode p;
        try (PreparedStatement ps = prepare(c, "SELECT kind, payload FROM action WHERE id = ?", actionId); ResultSet rs = ps.executeQuery()) {
            rs.next();
            kind = rs.getString(1);
            try {
                p = JSON.readTree(rs.getString(2));
            } catch (IOException e) {
                throw new ProjectException("damaged undo record " + actionId + ": " + e.getMessage(), e);
            }
        }
        long now = System.currentTimeMillis();
        switch (kind) {
            case "STROKE" -> {
                if (redo) {
                    update(c, "UPDATE stroke SET undone_at = NULL WHERE id = ?", p.get("stroke").asLong());
                } else {
                    update(c, "UPDATE stroke SET undone_at = ? WHERE id = ?", now, p.get("stroke").asLong());
                }
                return new UndoResult(kind, (redo ? "redo" : "undo") + " stroke");
            }
            case "TAG" -> {
                Boolean v = readBool(p, redo ? "after" : "before");
                writeTag(c, imageId, p.get("class").asLong(), v);
                return new UndoResult(kind, (redo ? "redo" : "undo") + " tag");
            }
            case "MASK" -> {
                Long target = redo ? readLong(p, "after") : readLong(p, "before");
                update(c, "UPDATE mask SET active = 0 WHERE image_id = ?", imageId);
                if (target != null) {
                    update(c, "UPDATE mask SET active = 1 WHERE id = ?", target);
                }
                return new UndoResult(kind, (redo ? "redo" : "undo") + " accepted mask");
            }
            case "CLEAR" -> {
                for (JsonNode s : p.get("strokes")) {
                    if (redo) {
                        update(c, "UPDATE stroke SET undone_at = ? WHERE id = ?", now, s.asLong());
                    } else {
                        update(c, "UPDATE stroke SET undone_at = NULL WHERE id = ?", s.asLong());
                    }
                }
                for (JsonNode t : p.get("tags")) {
                    writeTag(c, imageId, t.get("class").asLong(), redo ? null : t.get("present").asBoolean());
                }
                Long mask = readLong(p, "mask");
                if (mask != null) {
                    update(c, "UPDATE mask SET active = ? WHERE id = ?", redo ? 0 : 1, mask);
                }
                return new UndoResult(kind, (redo ? "redo" : "undo") + " clear image");
            }
            default -> throw new ProjectException("unknown undo record kind " + kind);
        }
    }

    private void logAction(Connection c, long imageId, String kind, ObjectNode payload) throws SQLException {
        // a new action ends the redo history of this image
        update(c, "UPDATE action SET state = 2 WHERE image_id = ? AND state = 1", imageId);
        update(c, "INSERT INTO action(image_id, kind, payload, state, created_at) VALUES (?,?,?,0,?)",
                imageId, kind, payload.toString(), System.currentTimeMillis());
    }

    /** DONE with a complete mask; IN_PROGRESS with a partial or reopened mask, strokes or tags; else UNLABELLED. */
    private void refreshStatus(Connection c, long imageId) throws SQLException {
        ImageStatus s;
        long masks = count(c, "SELECT count(*) FROM mask WHERE image_id = ? AND active = 1 AND source NOT IN (?, ?)", imageId,
                MaskRecord.PARTIAL, MaskRecord.REOPENED);
        if (masks > 0) {
            s = ImageStatus.DONE;
        } else if (activeMaskId(c, imageId) != null
                || count(c, "SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL", imageId) > 0
                || count(c, "SELECT count(*) FROM tag WHERE image_id = ?", imageId) > 0) {
            s = ImageStatus.IN_PROGRESS;
        } else {
            s = ImageStatus.UNLABELLED;
        }
        update(c, "UPDATE image SET status = ? WHERE id = ?", s.name(), imageId);
    }

    // ------------------------------------------------------------------------------------------------ runs, predictions

    /** Records a training run (config and metrics as JSON text). */
    public void saveRun(String runId, String kind, String backbone, String configJson, String metricsJson, long dataRevision) {
        tx(c -> {
            update(c, "INSERT INTO run(id, kind, backbone, created_at, config, metrics, data_revision) VALUES (?,?,?,?,?,?,?) "
                    + "ON CONFLICT(id) DO UPDATE SET metrics = excluded.metrics, data_revision = excluded.data_revision",
                    runId, kind, backbone, System.currentTimeMillis(), configJson, metricsJson, dataRevision);
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------ heavy runs

    /** Records a heavy run as {@link RunRecord#RUNNING} at step 0 (a resumed run keeps its row; see {@link #updateRun}). */
    public void createRun(String runId, String method, String configJson, String device, long dataRevision, long total) {
        tx(c -> {
            long now = System.currentTimeMillis();
            update(c, "INSERT INTO run(id, kind, backbone, created_at, config, metrics, data_revision, device, state, step, total, updated_at) "
                    + "VALUES (?,?,'',?,?,'[]',?,?,?,0,?,?)", runId, method, now, configJson, dataRevision, device, RunRecord.RUNNING, total, now);
            return null;
        });
    }

    /**
     * Updates a run's state and progress; {@code checkpoint}, {@code device} and {@code message} are kept when
     * null. Returns false when there is no such run.
     */
    public boolean updateRun(String runId, String state, long step, long total, String checkpoint, String device, String message) {
        return tx(c -> update(c, "UPDATE run SET state = ?, step = ?, total = CASE WHEN ? > 0 THEN ? ELSE total END, "
                + "checkpoint = coalesce(?, checkpoint), device = coalesce(?, device), message = coalesce(?, message), updated_at = ? WHERE id = ?",
                state, step, total, total, checkpoint, device, message, System.currentTimeMillis(), runId) > 0);
    }

    /** Appends one evaluation ({@code {"step":n,"values":{...}}}) to a run's metrics. */
    public void addRunMetrics(String runId, long step, Map<String, Double> values) {
        tx(c -> {
            String old;
            try (PreparedStatement ps = prepare(c, "SELECT metrics FROM run WHERE id = ?", runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ProjectException("no run " + runId);
                }
                old = rs.getString(1);
            }
            com.fasterxml.jackson.databind.node.ArrayNode arr;
            try {
                JsonNode n = JSON.readTree(old == null || old.isBlank() ? "[]" : old);
                arr = n.isArray() ? (com.fasterxml.jackson.databind.node.ArrayNode) n : JSON.createArrayNode();
            } catch (java.io.IOException e) {
                arr = JSON.createArrayNode();
            }
            ObjectNode ev = arr.addObject();
            ev.put("step", step);
            ObjectNode v = ev.putObject("values");
            values.forEach(v::put);
            update(c, "UPDATE run SET metrics = ?, updated_at = ? WHERE id = ?", arr.toString(), System.currentTimeMillis(), runId);
            return null;
        });
    }

    /** Every run, newest first. */
    public synchronized List<RunRecord> runs() {
        return query(c -> runQuery(c, "SELECT * FROM run ORDER BY created_at DESC, rowid DESC"));
    }

    public synchronized Optional<RunRecord> run(String runId) {
        return query(c -> runQuery(c, "SELECT * FROM run WHERE id = ?", runId).stream().findFirst());
    }

    private static List<RunRecord> runQuery(Connection c, String sql, Object... args) throws SQLException {
        List<RunRecord> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new RunRecord(rs.getString("id"), rs.getString("kind"), rs.getString("config"), rs.getString("device"),
                        rs.getLong("data_revision"), rs.getString("metrics"), rs.getString("state"), rs.getLong("step"), rs.getLong("total"),
                        rs.getString("checkpoint"), rs.getString("message"), rs.getLong("created_at"), rs.getLong("updated_at")));
            }
        }
        return out;
    }

    /** A stored prediction. {@code confidence} is one byte per pixel (0..255 = 0..1), may be null. */
    public record PredictionRecord(long imageId, String runId, LabelMap labels, byte[] confidence, double meanUncertainty) {
    }

    public void savePrediction(long imageId, String runId, LabelMap labels, byte[] confidence, double meanUncertainty) {
        tx(c -> {
            requireImage(c, imageId);
            writePrediction(c, imageId, runId, labels, confidence, meanUncertainty, null);
            return null;
        });
    }

    private static void writePrediction(Connection c, long imageId, String runId, LabelMap labels, byte[] confidence,
            double meanUncertainty, Long headRevision) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO prediction(image_id, run_id, png, confidence, mean_uncertainty, created_at, "
                + "head_revision) VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id, run_id) DO UPDATE SET png = excluded.png, "
                + "confidence = excluded.confidence, mean_uncertainty = excluded.mean_uncertainty, created_at = excluded.created_at, "
                + "head_revision = excluded.head_revision")) {
            ps.setLong(1, imageId);
            ps.setString(2, runId);
            ps.setBytes(3, MaskCodec.encode(labels));
            ps.setBytes(4, confidence == null ? null : MaskCodec.encode(new LabelMap(labels.width(), labels.height(), confidence)));
            ps.setDouble(5, meanUncertainty);
            ps.setLong(6, System.currentTimeMillis());
            ps.setObject(7, headRevision);
            ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------------------------------------ accuracy before correction

    /**
     * Keeps the live head's prediction of an image as its first look (what the head made of it before the user's
     * first touch), under run {@link #FIRST_LOOK_RUN}, while the user never touched the image: no stroke (undone
     * ones included), no mask (ever) and no tag. A newer head's prediction of the untouched image replaces it; once
     * the image is touched it never changes. Returns false, saving nothing, when the image was touched.
     */
    public boolean saveFirstLook(long imageId, LabelMap labels, long headRevision) {
        return tx(c -> {
            requireImage(c, imageId);
            if (count(c, "SELECT (SELECT count(*) FROM stroke WHERE image_id = ?) + (SELECT count(*) FROM mask WHERE image_id = ?) "
                    + "+ (SELECT count(*) FROM tag WHERE image_id = ?)", imageId, imageId, imageId) > 0) {
                return false;
            }
            writePrediction(c, imageId, FIRST_LOOK_RUN, labels, null, Double.NaN, headRevision);
            return true;
        });
    }

    /**
     * The accept record of {@code mask}, just accepted for the image, against the image's first look; null when the
     * image has no first look or the mask has no non-void pixel. A re-accept replaces the image's record (keeping
     * its place in the history): the chart shows one point per image, measured against its final mask.
     */
    private static AcceptRecord recordAccept(Connection c, long imageId, LabelMap mask) throws SQLException {
        LabelMap firstLook;
        long headRevision;
        try (PreparedStatement ps = prepare(c, "SELECT png, head_revision FROM prediction WHERE image_id = ? AND run_id = ?",
                imageId, FIRST_LOOK_RUN); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            firstLook = MaskCodec.decode(rs.getBytes(1));
            headRevision = rs.getLong(2);
        }
        Metrics m = new Metrics(LabelMap.VOID).add(mask, firstLook);
        if (Double.isNaN(m.pixelAccuracy())) {
            return null;
        }
        long strokes = count(c, "SELECT count(*) FROM stroke WHERE image_id = ? AND undone_at IS NULL", imageId);
        long ms = count(c, "SELECT coalesce(sum(duration_ms), 0) FROM stroke WHERE image_id = ?", imageId);
        update(c, "INSERT INTO accept_record(image_id, accepted_at, accuracy, miou, strokes, duration_ms, head_revision) "
                + "VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id) DO UPDATE SET accepted_at = excluded.accepted_at, "
                + "accuracy = excluded.accuracy, miou = excluded.miou, strokes = excluded.strokes, duration_ms = excluded.duration_ms, "
                + "head_revision = excluded.head_revision", imageId, System.currentTimeMillis(), m.pixelAccuracy(), m.meanIoU(),
                strokes, ms, headRevision);
        return acceptQuery(c, "SELECT * FROM accept_record WHERE image_id = ?", imageId).get(0);
    }

    /**
     * The accept records of the images whose mask is accepted now, in the order the images were first accepted. An
     * accept undone (or cleared, or replaced by a partial mask) hides its record; redone, it shows again.
     */
    public synchronized List<AcceptRecord> acceptHistory() {
        return query(c -> acceptQuery(c, "SELECT * FROM accept_record a WHERE EXISTS (SELECT 1 FROM mask m WHERE m.image_id = a.image_id "
                + "AND m.active = 1 AND m.source = ?) ORDER BY id", MaskRecord.ACCEPTED));
    }

    private static List<AcceptRecord> acceptQuery(Connection c, String sql, Object... args) throws SQLException {
        List<AcceptRecord> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new AcceptRecord(rs.getLong("id"), rs.getLong("image_id"), rs.getLong("accepted_at"), rs.getDouble("accuracy"),
                        rs.getDouble("miou"), rs.getInt("strokes"), rs.getLong("duration_ms"), rs.getLong("head_revision")));
            }
        }
        return out;
    }

    /** The stored prediction of an image by one run (e.g. "zeroshot-clip"). */
    public synchronized Optional<PredictionRecord> prediction(long imageId, String runId) {
        return query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT png, confidence, mean_uncertainty FROM prediction WHERE image_id = ? AND run_id = ?",
                    imageId, runId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                byte[] conf = rs.getBytes(2);
                return Optional.of(new PredictionRecord(imageId, runId, MaskCodec.decode(rs.getBytes(1)),
                        conf == null ? null : MaskCodec.decode(conf).data(), rs.getDouble(3)));
            }
        });
    }

    /** Ids of the images that have a stored prediction of run {@code runId}. */
    public synchronized List<Long> imagesWithPrediction(String runId) {
        return query(c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, "SELECT image_id FROM prediction WHERE run_id = ? ORDER BY image_id", runId);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        });
    }

    /** The newest stored prediction of an image, of any run. */
    public synchronized Optional<PredictionRecord> latestPrediction(long imageId) {
        return query(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT run_id, png, confidence, mean_uncertainty FROM prediction WHERE image_id = ? "
                    + "ORDER BY created_at DESC, rowid DESC LIMIT 1", imageId); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                LabelMap labels = MaskCodec.decode(rs.getBytes(2));
                byte[] conf = rs.getBytes(3);
                return Optional.of(new PredictionRecord(imageId, rs.getString(1), labels,
                        conf == null ? null : MaskCodec.decode(conf).data(), rs.getDouble(4)));
            }
        });
    }

    /**
     * The mean uncertainty of each image's newest stored prediction (of any run), by image id; images without a
     * stored prediction, or whose newest has none (NaN), are absent. One query, no label maps decoded.
     */
    public synchronized Map<Long, Double> latestMeanUncertainties() {
        return query(c -> {
            Map<Long, Double> out = new java.util.HashMap<>();
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

    // ------------------------------------------------------------------------------------------------ plumbing

    /** Runs {@code PRAGMA integrity_check}; "ok" when the database is sound. */
    public synchronized String integrityCheck() {
        return query(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                StringBuilder b = new StringBuilder();
                while (rs.next()) {
                    b.append(b.length() == 0 ? "" : "; ").append(rs.getString(1));
                }
                return b.toString();
            }
        });
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * One transaction ({@code BEGIN IMMEDIATE}: it waits for the write lock up to the busy timeout), rolled back on
     * any failure, with the reason turned into a user-facing message. When another process or connection holds the
     * lock the whole transaction is rolled back and run again (see {@link BusyRetry}); {@code work} must therefore
     * only touch the database.
     */
    private synchronized <T> T tx(SqlWork<T> work) {
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
                    throw new ProjectException("could not save to " + root.resolve(DB_FILE) + ": another program kept the project locked for "
                            + (System.nanoTime() - start) / 1_000_000_000 + " s (" + attempt + " attempts); nothing of this change was saved", e);
                }
                throw new ProjectException("could not save to " + root.resolve(DB_FILE) + ": " + describe(e)
                        + " (nothing was changed)", e);
            }
        }
    }

    /** One attempt: BEGIN IMMEDIATE, the work, COMMIT; rolled back whole on any failure. */
    private <T> T attemptTx(SqlWork<T> work) throws SQLException {
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

    private synchronized <T> T query(SqlWork<T> work) {
        ensureOpen();
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return work.run(db);
            } catch (SQLException e) {
                if (BusyRetry.isBusy(e) && BusyRetry.pauseBeforeRetry(attempt, start)) {
                    continue;
                }
                throw new ProjectException("could not read " + root.resolve(DB_FILE) + ": " + describe(e), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ProjectException("project " + root + " is closed");
        }
    }

    private void fire(long imageId) {
        long rev = revision();
        for (StoreListener l : listeners) {
            l.annotationsChanged(imageId, rev);
        }
    }

    private long bumpRevision(Connection c) throws SQLException {
        long next = Long.parseLong(getMeta(c, "revision").orElse("0")) + 1;
        setMeta(c, "revision", Long.toString(next));
        return next;
    }

    private Optional<String> getMeta(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = prepare(c, "SELECT value FROM meta WHERE key = ?", key); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    private void setMeta(Connection c, String key, String value) throws SQLException {
        update(c, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
    }

    /** A project-level setting (free text), e.g. the chosen backbone. */
    public synchronized Optional<String> setting(String key) {
        return query(c -> getMeta(c, "setting." + key));
    }

    public void setSetting(String key, String value) {
        tx(c -> {
            setMeta(c, "setting." + key, value);
            return null;
        });
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    private static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static List<byte[]> blobs(Connection c, String sql) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getBytes(1));
            }
        }
        return out;
    }

    /** Runs an INSERT and returns the new row's key. */
    private static long insert(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
            return generatedKey(ps);
        }
    }

    private static long generatedKey(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.getGeneratedKeys()) {
            if (!rs.next()) {
                throw new SQLException("no generated key");
            }
            return rs.getLong(1);
        }
    }

    private static void putBool(ObjectNode n, String k, Boolean v) {
        if (v == null) {
            n.putNull(k);
        } else {
            n.put(k, v);
        }
    }

    private static Boolean readBool(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v == null || v.isNull() ? null : v.asBoolean();
    }

    private static void putLong(ObjectNode n, String k, Long v) {
        if (v == null) {
            n.putNull(k);
        } else {
            n.put(k, v);
        }
    }

    private static Long readLong(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v == null || v.isNull() ? null : v.asLong();
    }

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
