-- Whether a job wrote the artifact (an ML record: a trained model or a prediction). Set by
-- the store when a job ends, never by a client, so a client's artifact cannot pass for a
-- model. Rows written before: an artifact is a job's if a job row names it and its data
-- is an ML record (a client's artifact could look like one, but no job names it).
ALTER TABLE artifacts ADD COLUMN written_by_job BIGINT NOT NULL DEFAULT 0;
UPDATE artifacts SET written_by_job = 1
WHERE data LIKE '{"chapwasm_ml":%' AND id IN (SELECT artifact_id FROM jobs);
