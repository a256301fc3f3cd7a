-- Leases, for several replicas on one database: which replica runs a job and until when
-- (renewed by heartbeats), and the attempt number, which fences the late writes of a
-- worker presumed dead once its job was taken over.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
ALTER TABLE jobs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 0;
