//! `Runtime`: one wasmtime `Engine` and linker for the whole process, and the loading of
//! components as bounded work. A component is compiled once however many jobs run it and
//! however many uploads of it arrive at once (single flight per SHA-256); loads — compile
//! (or verified precompiled code) plus `describe()` — run one at a time by default; a
//! component rejected for what it *is* (invalid, not a model, a bad description) is
//! remembered by its hash and not compiled again, while one that ran out of a limit
//! (`LoadFailed`: time, memory, the compile process) is not, so a busy moment cannot
//! blacklist a good component; both caches are bounded. Precompiled code comes from the
//! disk cache only when it matches the digest the caller recorded (`disk_cache.rs`).

use super::bounded_map::BoundedMap;
use super::compiler::{Compiler, compile_in_child, engine_config};
use super::component::{ModelComponent, check_header};
use super::disk_cache::{DiskCache, hex};
use super::error::RuntimeError;
use super::host_imports;
use super::limits::{DescribeLimits, SandboxLimits};
use super::sandbox::SandboxState;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// Components kept loaded in memory (the least recently used is dropped beyond this; jobs
/// running it keep their copy).
const LOADED_CAPACITY: usize = 64;
/// Rejected uploads remembered by hash.
const REJECTED_CAPACITY: usize = 1024;

/// Settings fixed for the lifetime of a runtime.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    pub limits: SandboxLimits,
    /// Limits of `describe()` when a component is loaded.
    pub describe_limits: DescribeLimits,
    /// Where precompiled components are kept across restarts (`None`: compile every start).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Most bytes of precompiled code kept on disk.
    pub cache_max_bytes: u64,
    /// Most components loaded (compiled or read, then described) at once.
    pub max_concurrent_loads: usize,
    /// Where components are compiled (uploads are untrusted: a child process, bounded).
    pub compiler: Compiler,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            limits: SandboxLimits::default(),
            describe_limits: DescribeLimits::default(),
            cache_dir: None,
            cache_max_bytes: 1 << 30,
            max_concurrent_loads: 1,
            compiler: Compiler::InProcess,
        }
    }
}

/// How components were made ready since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct CompileStats {
    /// Compilations (of accepted and rejected components).
    pub compiled: usize,
    /// Loads of verified precompiled code from the disk cache.
    pub loaded_precompiled: usize,
    /// Uploads answered with a remembered rejection, without compiling.
    pub rejections_remembered: usize,
    /// Seconds spent compiling, in all.
    pub compile_seconds: f64,
}

/// A loaded component, and the digest of precompiled code this load wrote to the disk
/// cache, which the caller records so that a later start can verify the file.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub component: ModelComponent,
    pub code_digest: Option<String>,
}

/// One load under way, shared by everyone asking for the same bytes.
type Flight = OnceCell<Result<Loaded, RuntimeError>>;

pub struct Runtime {
    engine: Engine,
    linker: Linker<SandboxState>,
    settings: RuntimeSettings,
    loaded: Mutex<BoundedMap<ModelComponent>>,
    rejected: Mutex<BoundedMap<RuntimeError>>,
    /// Loads under way, by SHA-256: later callers for the same bytes await the first.
    in_flight: Mutex<HashMap<String, Arc<Flight>>>,
    /// Loads under way (compile + describe), at most `max_concurrent_loads`.
    loads: Semaphore,
    disk: Option<Arc<DiskCache>>,
    stats: Mutex<CompileStats>,
}

impl Runtime {
    pub fn new(settings: RuntimeSettings) -> Result<Self, RuntimeError> {
        let sandbox = |e: wasmtime::Error| RuntimeError::Sandbox(format!("{e:#}"));
        let config = engine_config(settings.limits.fuel.is_some());
        let engine = Engine::new(&config).map_err(sandbox)?;
        start_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(sandbox)?;
        host_imports::add_to_linker(&mut linker).map_err(sandbox)?;
        let disk = match &settings.cache_dir {
            Some(dir) => {
                Some(Arc::new(DiskCache::new(dir.clone(), &engine, settings.cache_max_bytes).map_err(|e| {
                    RuntimeError::Sandbox(format!("cannot use the component cache directory {}: {e}", dir.display()))
                })?))
            }
            None => None,
        };
        Ok(Self {
            engine,
            linker,
            loaded: Mutex::new(BoundedMap::new(LOADED_CAPACITY)),
            rejected: Mutex::new(BoundedMap::new(REJECTED_CAPACITY)),
            in_flight: Mutex::new(HashMap::new()),
            loads: Semaphore::new(settings.max_concurrent_loads.max(1)),
            disk,
            stats: Mutex::new(CompileStats::default()),
            settings,
        })
    }

    /// Names this engine's compiled code: digests of precompiled code are recorded per
    /// component and engine key (`None` without a disk cache).
    pub fn engine_key(&self) -> Option<&str> {
        self.disk.as_deref().map(DiskCache::engine_key)
    }

    /// Compiles, links and describes a component, or returns the loaded one with the same
    /// bytes. `sha256` is the hex SHA-256 of `wasm` (see [`sha256_hex`]; the registry keys
    /// components by it, so callers have it). `code_digest` is the digest recorded for this
    /// component's precompiled code, if any: only a file matching it is loaded. Fails with
    /// `InvalidComponent` for anything that is not a working model (and answers the same
    /// bytes again from memory, without compiling).
    pub async fn load(
        &self,
        wasm: Arc<[u8]>,
        sha256: String,
        code_digest: Option<String>,
    ) -> Result<Loaded, RuntimeError> {
        if let Some(component) = self.loaded.lock().expect("loaded lock").get(&sha256) {
            return Ok(Loaded { component, code_digest: None });
        }
        if let Some(rejection) = self.rejected.lock().expect("rejected lock").get(&sha256) {
            self.stats.lock().expect("stats lock").rejections_remembered += 1;
            return Err(rejection);
        }
        let flight = self.in_flight.lock().expect("in-flight lock").entry(sha256.clone()).or_default().clone();
        // Removes the entry when this caller is done or gives up (a client that
        // disconnects), unless others still wait on it.
        let flight = LeaveFlight { runtime: self, sha256: &sha256, flight };
        flight.flight.get_or_init(|| self.load_uncached(sha256.clone(), wasm, code_digest)).await.clone()
    }

    /// Loads a component for a caller that records no code digests (the command line,
    /// tests): the same checks and caches, and precompiled code on disk is never loaded.
    pub async fn load_wasm(&self, wasm: &[u8]) -> Result<ModelComponent, RuntimeError> {
        Ok(self.load(wasm.into(), sha256_hex(wasm), None).await?.component)
    }

    async fn load_uncached(
        &self,
        sha256: String,
        wasm: Arc<[u8]>,
        code_digest: Option<String>,
    ) -> Result<Loaded, RuntimeError> {
        let result = self.read_compile_and_link(&sha256, wasm, code_digest).await;
        match &result {
            Ok(loaded) => self.loaded.lock().expect("loaded lock").insert(sha256, loaded.component.clone()),
            Err(rejection @ RuntimeError::InvalidComponent(_)) => {
                self.rejected.lock().expect("rejected lock").insert(sha256, rejection.clone())
            }
            Err(_) => {}
        }
        result
    }

    async fn read_compile_and_link(
        &self,
        sha256: &str,
        wasm: Arc<[u8]>,
        code_digest: Option<String>,
    ) -> Result<Loaded, RuntimeError> {
        check_header(&wasm)?;
        let precompiled = self.precompiled(sha256, code_digest).await?;
        // Held until the component has described itself: describes are guest code too.
        let _permit = self.loads.acquire().await.expect("the load semaphore is never closed");
        let (component, machine_code) = match precompiled {
            Some(component) => {
                self.stats.lock().expect("stats lock").loaded_precompiled += 1;
                tracing::info!(sha256 = %sha256, "loaded verified precompiled code from disk (no compilation)");
                (component, None)
            }
            None => {
                let started = std::time::Instant::now();
                let compiled = self.compile(wasm).await;
                let mut stats = self.stats.lock().expect("stats lock");
                stats.compiled += 1;
                stats.compile_seconds += started.elapsed().as_secs_f64();
                drop(stats);
                compiled?
            }
        };
        let limits = self.settings.limits;
        let describe = self.settings.describe_limits.sandbox(&limits);
        let component =
            ModelComponent::link(&self.engine, &self.linker, component, sha256.to_owned(), limits, describe).await?;
        // Only components that link and describe themselves reach the disk cache.
        let code_digest = match (&self.disk, machine_code) {
            (Some(disk), Some(code)) => disk.keep(sha256, &code),
            _ => None,
        };
        Ok(Loaded { component, code_digest })
    }

    /// Verified precompiled code from the disk cache, if there is any (read and hashed on
    /// a blocking thread).
    async fn precompiled(&self, sha256: &str, code_digest: Option<String>) -> Result<Option<Component>, RuntimeError> {
        let Some(disk) = self.disk.clone() else { return Ok(None) };
        let (engine, sha256) = (self.engine.clone(), sha256.to_owned());
        tokio::task::spawn_blocking(move || disk.load(&engine, &sha256, code_digest.as_deref()))
            .await
            .map_err(|e| RuntimeError::Sandbox(format!("reading precompiled code was aborted: {e}")))
    }

    /// Compiles with the configured compiler; returns the machine code too when there is a
    /// disk cache to keep it in.
    async fn compile(&self, wasm: Arc<[u8]>) -> Result<(Component, Option<Vec<u8>>), RuntimeError> {
        let invalid = |e: wasmtime::Error| RuntimeError::InvalidComponent(format!("{e:#}"));
        let aborted = |e: tokio::task::JoinError| RuntimeError::Sandbox(format!("compiling was aborted: {e}"));
        let engine = self.engine.clone();
        match &self.settings.compiler {
            Compiler::InProcess => {
                let keep = self.disk.is_some();
                let compiled = tokio::task::spawn_blocking(move || {
                    if keep {
                        DiskCache::precompile(&engine, &wasm).map(|(component, code)| (component, Some(code)))
                    } else {
                        Component::new(&engine, &wasm).map(|component| (component, None))
                    }
                });
                compiled.await.map_err(aborted)?.map_err(invalid)
            }
            Compiler::Subprocess { program, args, limits } => {
                let fuel = self.settings.limits.fuel.is_some();
                let code = compile_in_child(program, args, *limits, fuel, &wasm).await?;
                let keep = self.disk.is_some();
                tokio::task::spawn_blocking(move || {
                    // SAFETY: the bytes are the output of our own compile worker (this
                    // binary, same `engine_config`), handed over a pipe, never the disk.
                    // The worker compiled untrusted input, so a compiler bug exploited
                    // there would reach us here; the worker is bounded, not a sandbox.
                    let component = unsafe { Component::deserialize(&engine, &code) }?;
                    Ok((component, keep.then_some(code)))
                })
                .await
                .map_err(aborted)?
                .map_err(|e: wasmtime::Error| {
                    RuntimeError::LoadFailed(format!("the compile worker's output is unusable: {e:#}"))
                })
            }
        }
    }

    /// Forgets a component (deleted from the registry): its loaded copy, its remembered
    /// rejection and its precompiled code on disk.
    pub fn forget(&self, sha256: &str) {
        self.loaded.lock().expect("loaded lock").remove(sha256);
        self.rejected.lock().expect("rejected lock").remove(sha256);
        if let Some(disk) = &self.disk {
            disk.forget(sha256);
        }
    }

    /// The service's limits: what every call runs under unless a component tightens them.
    pub fn limits(&self) -> &SandboxLimits {
        &self.settings.limits
    }

    /// How components are compiled.
    pub fn compiler(&self) -> &Compiler {
        &self.settings.compiler
    }

    /// The limits of `describe()` at load.
    pub fn describe_limits(&self) -> &DescribeLimits {
        &self.settings.describe_limits
    }

    /// How many components were compiled vs loaded precompiled since start.
    pub fn compile_stats(&self) -> CompileStats {
        *self.stats.lock().expect("stats lock")
    }
}

/// The hex SHA-256 of a component's bytes: its identity everywhere (CPU-bound for large
/// components: async callers run it on a blocking thread).
pub fn sha256_hex(wasm: &[u8]) -> String {
    hex(&Sha256::digest(wasm))
}

/// Leaves a load's flight: the last caller out removes the entry, whether the load
/// finished or every caller gave up (so abandoned uploads leave nothing behind).
struct LeaveFlight<'a> {
    runtime: &'a Runtime,
    sha256: &'a str,
    flight: Arc<Flight>,
}

impl Drop for LeaveFlight<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.runtime.in_flight.lock().expect("in-flight lock");
        let ours = in_flight.get(self.sha256).is_some_and(|current| Arc::ptr_eq(current, &self.flight));
        // The map and this guard hold two references; more means others still wait.
        if ours && (self.flight.initialized() || Arc::strong_count(&self.flight) <= 2) {
            in_flight.remove(self.sha256);
        }
    }
}

/// How often running guests yield to their supervisor.
pub(crate) const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Advances the engine's epoch every tick until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("chapwasm-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawn the epoch ticker");
}
