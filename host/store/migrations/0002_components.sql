-- Uploaded model components, stored by content hash so every replica can load them.
CREATE TABLE components (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    description  TEXT NOT NULL,        -- JSON: what describe() returned
    wasm         BYTEA NOT NULL,
    created_at   TEXT NOT NULL
);
