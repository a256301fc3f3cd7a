//! Precompiled components on disk, keyed by the component's SHA-256 and the engine's
//! compatibility hash, so a restarted server (or another replica on the same disk) loads
//! machine code in a fraction of a millisecond instead of compiling again.
//!
//! Safety: `Component::deserialize` trusts its input to be wasmtime's own output — it
//! checks compatibility, not integrity, and whoever can write this directory could
//! otherwise run native code in the server. So a file is loaded only if the SHA-256 of
//! its bytes equals a digest the caller recorded when the code was written (the service
//! keeps it in the database, out of this directory's reach), and the bytes hashed are the
//! bytes deserialised (read once into memory). A file that does not match is deleted and
//! the component compiled again. The directory is created private (0700), files are
//! written through unique temporary files and renamed into place, and the directory is
//! kept under a size bound by deleting the least recently used files.

use sha2::{Digest, Sha256};
use std::fs::{DirBuilder, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;
use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct DiskCache {
    dir: PathBuf,
    engine_key: String,
    max_bytes: u64,
}

impl DiskCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine, max_bytes: u64) -> std::io::Result<Self> {
        DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        // A directory that existed before is made private too.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hex(&hasher.0.finalize()[..8]);
        sweep_stale_temporaries(&dir);
        Ok(Self { dir, engine_key, max_bytes })
    }

    /// Names this engine's settings: a digest is recorded per component and engine key.
    pub(crate) fn engine_key(&self) -> &str {
        &self.engine_key
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The precompiled component, if a file for these bytes exists and its SHA-256 is
    /// `expected` (what the caller recorded when it was written). Anything else is
    /// deleted and `None` returned: the caller compiles.
    pub(crate) fn load(&self, engine: &Engine, sha256: &str, expected: Option<&str>) -> Option<Component> {
        let path = self.path(sha256);
        let bytes = read_regular_file(&path, self.max_bytes)?;
        if expected != Some(hex(&Sha256::digest(&bytes)).as_str()) {
            tracing::warn!(path = %path.display(), "discarding precompiled code that does not match its recorded digest");
            let _ = std::fs::remove_file(&path);
            return None;
        }
        // SAFETY: these exact bytes hash to the digest recorded when this cache wrote them
        // from `Engine::precompile_component` (see the module docs).
        match unsafe { Component::deserialize(engine, &bytes) } {
            Ok(component) => {
                // Recently used files are the last to be evicted.
                let _ =
                    std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()));
                Some(component)
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "discarding an unusable precompiled component");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Compiles `wasm` once, returning the component and its machine code (to `keep` once
    /// the component has proved to be a valid model).
    pub(crate) fn precompile(engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Component, Vec<u8>)> {
        let precompiled = engine.precompile_component(wasm)?;
        // SAFETY: `precompiled` was produced by this engine a moment ago.
        let component = unsafe { Component::deserialize(engine, &precompiled) }?;
        Ok((component, precompiled))
    }

    /// Writes machine code for `sha256` and returns its digest, for the caller to record;
    /// `None` if it could not be written (the cache is an optimisation: the server goes on).
    pub(crate) fn keep(&self, sha256: &str, precompiled: &[u8]) -> Option<String> {
        let path = self.path(sha256);
        let temporary = self.dir.join(unique_temporary_name(sha256));
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)
            .and_then(|mut file| file.write_all(precompiled).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "cannot write the precompiled component; continuing without");
            let _ = std::fs::remove_file(&temporary);
            return None;
        }
        self.enforce_bound();
        Some(hex(&Sha256::digest(precompiled)))
    }

    /// Deletes the precompiled code of a component (deleted from the registry).
    pub(crate) fn forget(&self, sha256: &str) {
        let _ = std::fs::remove_file(self.path(sha256));
    }

    /// Deletes the least recently used files until the directory's precompiled code fits
    /// in `max_bytes`.
    fn enforce_bound(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
            .flatten()
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "cwasm"))
            .filter_map(|entry| {
                let metadata = entry.metadata().ok()?;
                Some((metadata.modified().ok()?, metadata.len(), entry.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|(_, size, _)| size).sum();
        files.sort();
        for (_, size, path) in files {
            if total <= self.max_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
            }
        }
    }
}

/// Reads a cache file only if it is a regular file (no symlink, FIFO or device: opened
/// without following links and without blocking) of at most `max_bytes`.
fn read_regular_file(path: &std::path::Path, max_bytes: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path).ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() || metadata.len() > max_bytes {
        tracing::warn!(path = %path.display(), "ignoring a cache entry that is not a regular file within the cache's size");
        return None;
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max_bytes).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Deletes temporary files a crashed writer left, once they are an hour old (a writer on
/// another replica may still be filling a younger one).
fn sweep_stale_temporaries(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let stale = |entry: &std::fs::DirEntry| {
        let modified = entry.metadata().and_then(|m| m.modified()).ok();
        modified.and_then(|m| m.elapsed().ok()).is_some_and(|age| age > std::time::Duration::from_secs(3600))
    };
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|e| e == "tmp") && stale(&entry) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Feeds `Hash` input into SHA-256: a key that stays the same across Rust releases
/// (`DefaultHasher`'s output may change between them).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only `finalize` is used")
    }
}

/// A temporary file name no other writer (thread, process or replica) picks.
fn unique_temporary_name(sha256: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(".{sha256}.{}.{}.{nanos}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
