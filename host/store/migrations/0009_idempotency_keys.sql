-- Idempotent submission: the first job a client's `Idempotency-Key` created, with the
-- hash of the request it came with, so a retried request gets that job back.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_sha256 TEXT NOT NULL,
    job_id TEXT NOT NULL,
    artifact_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
