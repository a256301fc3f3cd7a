-- A component's limit overrides as JSON (`{}`: the service's limits apply unchanged).
ALTER TABLE components ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
