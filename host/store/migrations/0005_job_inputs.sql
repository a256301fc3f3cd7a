-- Job inputs in a compact binary form (typed columns), instead of JSON in `request`.
ALTER TABLE jobs ADD COLUMN inputs BYTEA;
