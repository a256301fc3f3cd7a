//! `Runtime`: one wasmtime `Engine` and linker for the whole process, and the cache of
//! compiled components keyed by content hash, so a component is compiled once however
//! many jobs run it.

use super::bindings::ModelRunner;
use super::component::{ModelComponent, check_header};
use super::disk_cache::DiskCache;
use super::error::RuntimeError;
use super::limits::SandboxLimits;
use super::sandbox::SandboxState;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine};

/// Settings fixed for the lifetime of a runtime.
#[derive(Debug, Clone, Default)]
pub struct RuntimeSettings {
    pub limits: SandboxLimits,
    /// Where precompiled components are kept across restarts (`None`: compile every start).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// How components were made ready: compiled from source, or loaded precompiled from disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CompileStats {
    pub compiled: usize,
    pub loaded_precompiled: usize,
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<SandboxState>,
    settings: RuntimeSettings,
    cache: Mutex<HashMap<String, Arc<ModelComponent>>>,
    disk: Option<DiskCache>,
    stats: Mutex<CompileStats>,
}

impl Runtime {
    pub fn new(settings: RuntimeSettings) -> Result<Self, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        // Same inputs, same bits: NaNs produced by guest float code are canonical, so
        // retraining on the same data gives byte-identical models.
        config.cranelift_nan_canonicalization(true);
        // Wall-clock limits and cancellation: a ticker advances the epoch; each call's
        // store checks its deadline and cancel flag at every tick.
        config.epoch_interruption(true);
        // Fuel metering only when the service sets a fuel limit: it slows every call.
        config.consume_fuel(settings.limits.fuel.is_some());
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        start_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        ModelRunner::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        let disk = match &settings.cache_dir {
            Some(dir) => Some(DiskCache::new(dir.clone(), &engine).map_err(|e| {
                RuntimeError::Sandbox(format!("cannot use the component cache directory {}: {e}", dir.display()))
            })?),
            None => None,
        };
        Ok(Self {
            engine,
            linker,
            settings,
            cache: Mutex::new(HashMap::new()),
            disk,
            stats: Mutex::new(CompileStats::default()),
        })
    }

    /// Compiles, links and describes a component, or returns the cached one with the same
    /// bytes. Fails with `InvalidComponent` for anything that is not a working model.
    pub fn load(&self, wasm: &[u8]) -> Result<Arc<ModelComponent>, RuntimeError> {
        let sha256 = hex(&Sha256::digest(wasm));
        if let Some(found) = self.cache.lock().expect("cache lock").get(&sha256) {
            return Ok(found.clone());
        }
        check_header(wasm)?;
        let invalid = |e: wasmtime::Error| RuntimeError::InvalidComponent(format!("{e:#}"));
        let precompiled = self.disk.as_ref().and_then(|disk| disk.load(&self.engine, &sha256));
        let from_disk = precompiled.is_some();
        let mut to_keep = None;
        let compiled = match (precompiled, &self.disk) {
            (Some(component), _) => component,
            (None, Some(disk)) => {
                let (component, machine_code) = disk.precompile(&self.engine, wasm).map_err(invalid)?;
                to_keep = Some((disk, machine_code));
                component
            }
            (None, None) => Component::new(&self.engine, wasm).map_err(invalid)?,
        };
        let component =
            Arc::new(ModelComponent::link(&self.engine, &self.linker, compiled, sha256.clone(), self.settings.limits)?);
        // Only components that link and describe themselves reach the disk cache.
        if let Some((disk, machine_code)) = to_keep {
            disk.keep(&sha256, &machine_code);
        }
        let mut stats = self.stats.lock().expect("stats lock");
        if from_disk {
            stats.loaded_precompiled += 1;
            tracing::info!(sha256 = %sha256, "loaded a precompiled component from disk (no compilation)");
        } else {
            stats.compiled += 1;
        }
        drop(stats);
        // Two threads may compile the same bytes at once; both get the first one stored.
        Ok(self.cache.lock().expect("cache lock").entry(sha256).or_insert(component).clone())
    }

    /// The service's limits: what every call runs under unless a component tightens them.
    pub fn limits(&self) -> &SandboxLimits {
        &self.settings.limits
    }

    /// How many components were compiled vs loaded precompiled since start.
    pub fn compile_stats(&self) -> CompileStats {
        *self.stats.lock().expect("stats lock")
    }
}

/// How often running guests are checked for cancellation and deadlines.
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
