-- Artifact content (model bytes, prediction frames) in a table of its own: in `artifacts`
-- it sat before `content_type`, `tags`, the times and `written_by_job`, so on SQLite every
-- listing, summary and retention sweep walked each artifact's content, and every change of
-- data, tags or level wrote it again. Deleting an artifact deletes its content.
CREATE TABLE artifact_content (
    artifact_id TEXT PRIMARY KEY REFERENCES artifacts (id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);
INSERT INTO artifact_content (artifact_id, content) SELECT id, content FROM artifacts WHERE content IS NOT NULL;
UPDATE artifacts SET content = NULL WHERE content IS NOT NULL;
