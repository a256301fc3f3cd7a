//! Precompiled components on disk, keyed by the component's SHA-256 and the engine's
//! compatibility hash, so a restarted server (or another replica on the same disk) loads
//! machine code in a fraction of a millisecond instead of compiling again.
//!
//! Safety: `Component::deserialize*` trusts its input to be wasmtime's own output. Only
//! this module writes the directory, files are named by content hash and engine settings,
//! and wasmtime rejects a file from a differently configured engine; an unreadable file is
//! deleted and the component compiled again.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct DiskCache {
    dir: PathBuf,
    engine_key: String,
}

impl DiskCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        Ok(Self { dir, engine_key })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The precompiled component, if this engine wrote one for these bytes.
    pub(crate) fn load(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self.path(sha256);
        if !path.exists() {
            return None;
        }
        // SAFETY: see the module docs: the file is this cache's own precompiled output.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "discarding an unusable precompiled component");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Compiles `wasm` once, returning the component and its machine code (to `keep` once
    /// the component has proved to be a valid model).
    pub(crate) fn precompile(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Component, Vec<u8>)> {
        let precompiled = engine.precompile_component(wasm)?;
        // SAFETY: `precompiled` was produced by this engine a moment ago.
        let component = unsafe { Component::deserialize(engine, &precompiled) }?;
        Ok((component, precompiled))
    }

    /// Writes machine code for `sha256` (atomically: a temporary file, then a rename).
    pub(crate) fn keep(&self, sha256: &str, precompiled: &[u8]) {
        let path = self.path(sha256);
        let temporary = path.with_extension(format!("tmp-{:x}", Sha256::digest(precompiled)[0]));
        if std::fs::write(&temporary, precompiled).and_then(|()| std::fs::rename(&temporary, &path)).is_err() {
            tracing::warn!(path = %path.display(), "cannot write the precompiled component; continuing without");
            let _ = std::fs::remove_file(&temporary);
        }
    }
}
