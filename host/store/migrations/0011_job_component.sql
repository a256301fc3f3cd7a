-- The component (SHA-256) a job was pinned to at submission, so a component with jobs
-- still to run on it is not deleted.
ALTER TABLE jobs ADD COLUMN component_sha256 TEXT;
