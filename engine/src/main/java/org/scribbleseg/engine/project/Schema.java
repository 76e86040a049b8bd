package org.scribbleseg.engine.project;

import java.util.List;

/**
 * The project.db schema as forward migrations. {@code PRAGMA user_version} = number of migrations applied. A
 * migration is never edited once released: add a new one.
 */
final class Schema {
    private Schema() {
    }

    static final List<String> MIGRATIONS = List.of(
            // v1: the initial schema
            """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE class(
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE COLLATE NOCASE,
              color INTEGER NOT NULL,
              voc_index INTEGER NOT NULL UNIQUE CHECK (voc_index BETWEEN 0 AND 254),
              definition TEXT NOT NULL DEFAULT '',
              concepts TEXT NOT NULL DEFAULT '',
              position INTEGER NOT NULL);
            CREATE TABLE image(
              id INTEGER PRIMARY KEY,
              path TEXT NOT NULL,
              sha256 TEXT NOT NULL UNIQUE,
              width INTEGER NOT NULL CHECK (width > 0),
              height INTEGER NOT NULL CHECK (height > 0),
              split TEXT NOT NULL DEFAULT 'NONE',
              status TEXT NOT NULL DEFAULT 'UNLABELLED',
              added_at INTEGER NOT NULL);
            CREATE TABLE stroke(
              id INTEGER PRIMARY KEY,
              image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
              class_id INTEGER REFERENCES class(id),
              kind TEXT NOT NULL,
              radius REAL NOT NULL,
              points BLOB NOT NULL,
              created_at INTEGER NOT NULL,
              undone_at INTEGER);
            CREATE INDEX stroke_image ON stroke(image_id, id);
            CREATE TABLE tag(
              image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
              class_id INTEGER NOT NULL REFERENCES class(id) ON DELETE CASCADE,
              present INTEGER NOT NULL,
              PRIMARY KEY (image_id, class_id));
            CREATE TABLE mask(
              id INTEGER PRIMARY KEY,
              image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
              png BLOB NOT NULL,
              source TEXT NOT NULL,
              revision INTEGER NOT NULL,
              created_at INTEGER NOT NULL,
              active INTEGER NOT NULL);
            CREATE INDEX mask_image ON mask(image_id, active);
            CREATE TABLE action(
              id INTEGER PRIMARY KEY,
              image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
              kind TEXT NOT NULL,
              payload TEXT NOT NULL,
              state INTEGER NOT NULL DEFAULT 0,
              created_at INTEGER NOT NULL);
            CREATE INDEX action_image ON action(image_id, state, id);
            CREATE TABLE run(
              id TEXT PRIMARY KEY,
              kind TEXT NOT NULL,
              backbone TEXT NOT NULL,
              created_at INTEGER NOT NULL,
              config TEXT NOT NULL DEFAULT '{}',
              metrics TEXT NOT NULL DEFAULT '{}',
              data_revision INTEGER NOT NULL);
            CREATE TABLE prediction(
              image_id INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
              run_id TEXT NOT NULL,
              png BLOB NOT NULL,
              confidence BLOB,
              mean_uncertainty REAL,
              created_at INTEGER NOT NULL,
              PRIMARY KEY (image_id, run_id));
            """,
            // v2: annotation effort tracking (time spent drawing each stroke, per image totals come from it)
            """
            ALTER TABLE stroke ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX image_status ON image(status);
            """,
            // v3: accuracy before correction. The head revision of a stored prediction (set for the live head's
            // first look at an untouched image), and one row per image whose mask was accepted: how well that first
            // look matched the accepted mask and the effort the image took.
            """
            ALTER TABLE prediction ADD COLUMN head_revision INTEGER;
            CREATE TABLE accept_record(
              id INTEGER PRIMARY KEY,
              image_id INTEGER NOT NULL UNIQUE REFERENCES image(id) ON DELETE CASCADE,
              accepted_at INTEGER NOT NULL,
              accuracy REAL NOT NULL,
              miou REAL NOT NULL,
              strokes INTEGER NOT NULL,
              duration_ms INTEGER NOT NULL,
              head_revision INTEGER NOT NULL);
            """,
            // v4: the size and modification time of each image file when its sha256 was last confirmed, so a file
            // replaced on disk is noticed cheaply (hashed only when they differ). NULL: not known yet (hash once).
            """
            ALTER TABLE image ADD COLUMN file_size INTEGER;
            ALTER TABLE image ADD COLUMN file_mtime INTEGER;
            """,
            // v5: heavy runs (worker process): where a run computes, how far it got, its state and newest checkpoint.
            // `kind` is the method, `metrics` a JSON array of evaluations [{step, values}], `config` the start config.
            """
            ALTER TABLE run ADD COLUMN device TEXT NOT NULL DEFAULT '';
            ALTER TABLE run ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
            ALTER TABLE run ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE run ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE run ADD COLUMN checkpoint TEXT;
            ALTER TABLE run ADD COLUMN message TEXT NOT NULL DEFAULT '';
            ALTER TABLE run ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX run_state ON run(state);
            """);

    static int latestVersion() {
        return MIGRATIONS.size();
    }
}
