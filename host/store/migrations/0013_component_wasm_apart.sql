-- Component code in a table of their own: in `components` the code sat before `limits`
-- and `created_at`, so on SQLite every read of a component's record (two per job) walked
-- the whole code's overflow pages (measured: 20 lookups of an 8 MiB component read
-- 169 MB). Deleting a component deletes its code.
CREATE TABLE component_wasm (
    component_id TEXT PRIMARY KEY REFERENCES components (id) ON DELETE CASCADE,
    wasm BYTEA NOT NULL
);
INSERT INTO component_wasm (component_id, wasm) SELECT id, wasm FROM components;
UPDATE components SET wasm = SUBSTR(wasm, 1, 0);
