-- Digests of precompiled machine code in the disk cache, one per component and engine
-- configuration, recorded when the code is written: a file is loaded only if its SHA-256
-- matches, so whoever can write the cache directory cannot get native code run.
CREATE TABLE precompiled_code (
    component_sha256 TEXT NOT NULL,
    engine_key TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    PRIMARY KEY (component_sha256, engine_key)
);
