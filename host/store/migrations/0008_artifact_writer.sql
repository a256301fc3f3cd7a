-- Whether a job wrote the artifact (an ML record: a trained model or a prediction). Set by
-- the store when a job ends, never by a client, so a client's artifact cannot pass for a
-- model. Rows written before: ML records are recognised by how their data begins.
ALTER TABLE artifacts ADD COLUMN written_by_job BIGINT NOT NULL DEFAULT 0;
UPDATE artifacts SET written_by_job = 1 WHERE data LIKE '{"chapwasm_ml":%';
