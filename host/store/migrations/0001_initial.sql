-- One migration set for SQLite and PostgreSQL: portable types only (TEXT, BIGINT,
-- DOUBLE PRECISION, BYTEA; SQLite accepts any type name). Ids are ULID text; timestamps
-- are RFC 3339 text in UTC, so they sort lexicographically.

CREATE TABLE configs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    data        TEXT NOT NULL,          -- the config object as JSON
    tags        TEXT NOT NULL,          -- JSON array of strings
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE artifacts (
    id            TEXT PRIMARY KEY,
    parent_id     TEXT REFERENCES artifacts (id) ON DELETE SET NULL,
    level         BIGINT NOT NULL,
    data          TEXT NOT NULL,        -- JSON: user data, or the canonical ML record
    content       BYTEA,                -- model bytes or an encoded prediction frame
    content_type  TEXT,
    tags          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX artifacts_parent ON artifacts (parent_id);

CREATE TABLE config_artifacts (
    config_id    TEXT NOT NULL REFERENCES configs (id) ON DELETE CASCADE,
    artifact_id  TEXT NOT NULL UNIQUE REFERENCES artifacts (id) ON DELETE CASCADE
);

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,     -- train | predict
    status           TEXT NOT NULL,     -- pending | running | completed | failed | canceling | canceled
    request          TEXT NOT NULL,     -- JSON of everything the job needs to run (survives restarts)
    artifact_id      TEXT NOT NULL,     -- pre-allocated id of the artifact the job writes
    submitted_at     TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    error            TEXT,
    error_traceback  TEXT
);
CREATE INDEX jobs_status ON jobs (status, id);
