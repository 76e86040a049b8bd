package org.scribbleseg.engine.project;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.scribbleseg.engine.image.LabelMap;

/**
 * A ScribbleSeg project on disk: a folder (conventionally {@code <name>.sseg/}) with {@code project.db} (SQLite,
 * WAL, foreign keys on, forward migrations keyed by {@code PRAGMA user_version}) and the folders {@code cache/},
 * {@code models/} and {@code exports/}.
 *
 * <p>The entry point: it opens or creates the project and hands out its repositories, one per aggregate, over one
 * connection manager ({@link ProjectDb}: transactions, busy-retry, migrations, revision):
 * {@link #classes()}, {@link #images()}, {@link #annotations()} (strokes, tags), {@link #undoLog()}, {@link #masks()},
 * {@link #predictions()}, {@link #acceptRecords()}, {@link #runs()}, {@link #settings()}.
 *
 * <p>Every user action is one transaction, committed (fsynced: {@code synchronous=FULL}) before the method returns.
 * Listeners hear {@link StoreListener#annotationsChanged} after each commit, on the calling thread. All methods are
 * thread-safe. The many one-line methods below the repositories are the store's older surface, kept so callers
 * outside the engine's project package compile unchanged; new code uses the repositories.
 */
public final class ProjectStore implements AutoCloseable {
    public static final String DB_FILE = "project.db";
    public static final String EXTENSION = ".sseg";
    /** Run id of the live head's first look; the name lives with its owner, {@code eval.AcceptTracker}. */
    public static final String FIRST_LOOK_RUN = "first-look";

    private final ProjectDb db;
    private final List<String> notices = new CopyOnWriteArrayList<>();
    private final ClassRepository classes;
    private final ImageRepository images;
    private final AnnotationRepository annotations;
    private final UndoLog undo;
    private final MaskRepository masks;
    private final PredictionRepository predictions;
    private final AcceptRecords accepts;
    private final RunRepository runs;
    private final SettingsRepository settings;

    private ProjectStore(ProjectDb db) {
        this.db = db;
        classes = new ClassRepository(db);
        images = new ImageRepository(db);
        annotations = new AnnotationRepository(db);
        undo = new UndoLog(db);
        masks = new MaskRepository(db);
        predictions = new PredictionRepository(db);
        accepts = new AcceptRecords(db);
        runs = new RunRepository(db);
        settings = new SettingsRepository(db);
    }

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
        ProjectDb db = ProjectDb.connect(root);
        db.tx(c -> {
            ProjectDb.setMeta(c, "created_at", Long.toString(System.currentTimeMillis()));
            ProjectDb.setMeta(c, "revision", "0");
            return null;
        });
        return new ProjectStore(db);
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
        int version = Migrations.checkReadable(dbFile);
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
                store = new ProjectStore(new ProjectDb(root, ProjectFiles.openReadOnly(dbFile), true));
            } catch (SQLException e) {
                throw new ProjectException("cannot open read-only project database " + dbFile + ": " + ProjectDb.describe(e), e);
            }
            store.notices.add("project " + root + " is read-only: it can be read and exported, not changed");
            return store;
        }
        store = new ProjectStore(ProjectDb.connect(root));
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

    /** Whether {@code dir} holds a project.db. */
    public static boolean isProject(Path dir) {
        return Files.isRegularFile(dir.resolve(DB_FILE));
    }

    // ------------------------------------------------------------------------------------------------ the repositories

    public ClassRepository classRepository() {
        return classes;
    }

    public ImageRepository imageRepository() {
        return images;
    }

    public AnnotationRepository annotations() {
        return annotations;
    }

    public UndoLog undoLog() {
        return undo;
    }

    public MaskRepository masks() {
        return masks;
    }

    public PredictionRepository predictions() {
        return predictions;
    }

    public AcceptRecords acceptRecords() {
        return accepts;
    }

    public RunRepository runRepository() {
        return runs;
    }

    public SettingsRepository settings() {
        return settings;
    }

    // ------------------------------------------------------------------------------------------------ the project

    /** What opening the project did or found that the user should hear (a schema upgrade and its backup, read-only). */
    public List<String> notices() {
        return List.copyOf(notices);
    }

    /** Whether this project was opened read-only (its folder or database cannot be written): every save fails. */
    public boolean isReadOnly() {
        return db.isReadOnly();
    }

    /** Schema version of the open database. */
    public int schemaVersion() {
        return Migrations.schemaVersion(db);
    }

    public Path root() {
        return db.root();
    }

    public Path cacheDir() {
        return root().resolve("cache");
    }

    public Path modelsDir() {
        return root().resolve("models");
    }

    public Path exportsDir() {
        return root().resolve("exports");
    }

    /** Project name: the folder name without {@code .sseg}. */
    public String name() {
        String n = root().getFileName().toString();
        return n.endsWith(EXTENSION) ? n.substring(0, n.length() - EXTENSION.length()) : n;
    }

    public void addListener(StoreListener l) {
        db.addListener(l);
    }

    public void removeListener(StoreListener l) {
        db.removeListener(l);
    }

    /** Annotation revision: grows by one with every change to strokes, tags, masks or classes. */
    public long revision() {
        return db.revision();
    }

    /** Runs {@code PRAGMA integrity_check}; "ok" when the database is sound. */
    public String integrityCheck() {
        return db.query(c -> {
            StringBuilder b = new StringBuilder();
            for (String r : Sql.strings(c, "PRAGMA integrity_check")) {
                b.append(b.length() == 0 ? "" : "; ").append(r);
            }
            return b.toString();
        });
    }

    @Override
    public void close() {
        db.close();
    }

    /** What labels a class carries: what deleting it would touch. */
    public record ClassUsage(long strokes, long tags, long masks) {
        public boolean isEmpty() {
            return strokes == 0 && tags == 0 && masks == 0;
        }
    }

    /** What an undo or redo did. */
    public record UndoResult(String kind, String description) {
    }

    /** A stored prediction. {@code confidence} is one byte per pixel (0..255 = 0..1), may be null. */
    public record PredictionRecord(long imageId, String runId, LabelMap labels, byte[] confidence, double meanUncertainty) {
    }

    // ------------------------------------------------------------------------------------------------ older surface

    public ClassDef addClass(String name, int rgb, Integer vocIndex, String definition, List<String> concepts) { return classes.add(name, rgb, vocIndex, definition, concepts); }
    public void renameClass(long id, String name) { classes.rename(id, name); }
    public void recolorClass(long id, int rgb) { classes.recolor(id, rgb); }
    public void describeClass(long id, String definition, List<String> concepts) { classes.describe(id, definition, concepts); }
    public void setClassIndex(long id, int newIndex) { classes.setIndex(id, newIndex); }
    public void moveClass(long id, int newPosition) { classes.move(id, newPosition); }
    public ClassUsage classUsage(long id) { return classes.usage(id); }
    public void deleteClass(long id, Long reassignTo) { classes.delete(id, reassignTo); }
    public List<ClassDef> classes() { return classes.all(); }
    public Optional<ClassDef> classById(long id) { return classes.byId(id); }
    public Optional<ClassDef> classByName(String name) { return classes.byName(name); }
    public Optional<ClassDef> classByIndex(int vocIndex) { return classes.byIndex(vocIndex); }
    public ImageEntry addImage(Path file, String sha256, int width, int height, Split split) { return images.add(file, sha256, width, height, split); }
    public Map<Long, FileStamp> fileStamps() { return images.fileStamps(); }
    public void confirmFileStamp(long imageId, FileStamp stamp) { images.confirmFileStamp(imageId, stamp); }
    public ImageEntry relinkImage(long imageId, String sha256, int width, int height, FileStamp stamp, boolean dropLabels) { return images.relink(imageId, sha256, width, height, stamp, dropLabels); }
    public Path resolve(ImageEntry e) { return images.resolve(e); }
    public List<ImageEntry> images() { return images.all(); }
    /** The images after and before {@code imageId} in {@link #images()}'s order, next first (at the ends, one or none). */
    public List<ImageEntry> neighbours(long imageId) { return images.neighbours(imageId); }
    public List<ImageEntry> images(ImageStatus status) { return images.withStatus(status); }
    public int imageCount() { return images.count(); }
    public Optional<ImageEntry> image(long id) { return images.byId(id); }
    public Optional<ImageEntry> imageBySha(String sha256) { return images.bySha(sha256); }
    public void setSplit(long imageId, Split split) { images.setSplit(imageId, split); }
    public Map<ImageStatus, Integer> statusCounts() { return images.statusCounts(); }
    public Stroke commitStroke(long imageId, Long classId, StrokeKind kind, float radius, float[] points) { return annotations.commitStroke(imageId, classId, kind, radius, points, 0); }
    public Stroke commitStroke(long imageId, Long classId, StrokeKind kind, float radius, float[] points, long durationMs) { return annotations.commitStroke(imageId, classId, kind, radius, points, durationMs); }
    public List<Stroke> strokes(long imageId) { return annotations.strokes(imageId); }
    public Map<Long, List<Stroke>> allStrokes() { return annotations.allStrokes(); }
    public Map<Long, Long> strokeCountsByClass() { return annotations.strokeCountsByClass(); }
    public void setTag(long imageId, long classId, Boolean present) { annotations.setTag(imageId, classId, present); }
    public List<Tag> tags(long imageId) { return annotations.tags(imageId); }
    public Set<Integer> absentClassValues(long imageId) { return annotations.absentClassValues(imageId); }
    public List<Tag> allTags() { return annotations.allTags(); }
    public void setMask(long imageId, LabelMap mask, String source) { masks.set(imageId, mask, source); }
    public ImageStatus toggleDone(long imageId) { return masks.toggleDone(imageId); }
    public Optional<MaskRecord> mask(long imageId) { return masks.of(imageId); }
    public List<Long> imagesWithMask() { return masks.imagesWithMask(); }
    public void clearImage(long imageId) { undo.clearImage(imageId); }
    public Optional<UndoResult> undo(long imageId) { return undo.undo(imageId); }
    public Optional<UndoResult> redo(long imageId) { return undo.redo(imageId); }
    public boolean canUndo(long imageId) { return undo.canUndo(imageId); }
    public boolean canRedo(long imageId) { return undo.canRedo(imageId); }
    public void saveRun(String runId, String kind, String backbone, String configJson, String metricsJson, long dataRevision) { runs.save(runId, kind, backbone, configJson, metricsJson, dataRevision); }
    public void createRun(String runId, String method, String configJson, String device, long dataRevision, long total) { runs.create(runId, method, configJson, device, dataRevision, total); }
    public boolean updateRun(String runId, String state, long step, long total, String checkpoint, String device, String message) { return runs.update(runId, state, step, total, checkpoint, device, message); }
    public void addRunMetrics(String runId, long step, Map<String, Double> values) { runs.addMetrics(runId, step, values); }
    public List<RunRecord> runs() { return runs.all(); }
    public Optional<RunRecord> run(String runId) { return runs.byId(runId); }
    public void savePrediction(long imageId, String runId, LabelMap labels, byte[] confidence, double meanUncertainty) { predictions.save(imageId, runId, labels, confidence, meanUncertainty); }
    /** The live head's first look at an untouched image (see {@link PredictionRepository#saveIfUntouched}). */
    public boolean saveFirstLook(long imageId, LabelMap labels, long headRevision) { return predictions.saveIfUntouched(imageId, FIRST_LOOK_RUN, labels, headRevision, Long.MAX_VALUE); }
    public List<AcceptRecord> acceptHistory() { return accepts.history(); }
    public Optional<PredictionRecord> prediction(long imageId, String runId) { return predictions.of(imageId, runId); }
    public List<Long> imagesWithPrediction(String runId) { return predictions.imagesWith(runId); }
    public Optional<PredictionRecord> latestPrediction(long imageId) { return predictions.latest(imageId); }
    public Map<Long, Double> latestMeanUncertainties() { return predictions.latestMeanUncertainties(); }
    public Optional<String> setting(String key) { return settings.get(key); }
    public void setSetting(String key, String value) { settings.set(key, value); }
}
