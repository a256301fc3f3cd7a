-- A config may name the uploaded component it configures (NULL: the service's default).
ALTER TABLE configs ADD COLUMN component_id TEXT REFERENCES components (id);
