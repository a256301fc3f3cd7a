-- Leases on the database's clock: when a lease expires, in milliseconds since the epoch
-- as the database counts them (every replica compares against the same clock, so a
-- replica whose own clock runs ahead cannot take healthy jobs over). Jobs running when
-- this arrives get an expired lease: the replica that ran them wrote the old column.
ALTER TABLE jobs ADD COLUMN lease_expires_ms BIGINT;
UPDATE jobs SET lease_expires_ms = 0 WHERE status = 'running';
