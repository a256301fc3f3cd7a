-- Job inputs in a table of their own. In a row of `jobs` the inputs (up to the body limit)
-- sat before the columns read most, so on SQLite every status read walked the inputs'
-- overflow pages, and every status change (claim, heartbeat, completion) wrote the whole
-- row, inputs included, to the WAL again. Deleting a job deletes its inputs.
CREATE TABLE job_inputs (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    inputs BYTEA NOT NULL
);
INSERT INTO job_inputs (job_id, inputs) SELECT id, inputs FROM jobs WHERE inputs IS NOT NULL;
UPDATE jobs SET inputs = NULL WHERE inputs IS NOT NULL;
