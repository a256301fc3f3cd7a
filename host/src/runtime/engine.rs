//! `Runtime`: one wasmtime `Engine` and linker for the whole process, and the cache of
//! compiled components keyed by content hash, so a component is compiled once however
//! many jobs run it.

use super::bindings::ModelRunner;
use super::component::ModelComponent;
use super::error::RuntimeError;
use super::sandbox::{SandboxLimits, SandboxState};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

/// Settings fixed for the lifetime of a runtime.
#[derive(Debug, Clone, Default)]
pub struct RuntimeSettings {
    pub limits: SandboxLimits,
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<SandboxState>,
    settings: RuntimeSettings,
    cache: Mutex<HashMap<String, Arc<ModelComponent>>>,
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
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        start_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        ModelRunner::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| RuntimeError::Sandbox(format!("{e:#}")))?;
        Ok(Self { engine, linker, settings, cache: Mutex::new(HashMap::new()) })
    }

    /// Compiles, links and describes a component, or returns the cached one with the same
    /// bytes. Fails with `InvalidComponent` for anything that is not a working model.
    pub fn load(&self, wasm: &[u8]) -> Result<Arc<ModelComponent>, RuntimeError> {
        let sha256 = hex(&Sha256::digest(wasm));
        if let Some(found) = self.cache.lock().expect("cache lock").get(&sha256) {
            return Ok(found.clone());
        }
        let component =
            Arc::new(ModelComponent::compile(&self.engine, &self.linker, wasm, sha256.clone(), self.settings.limits)?);
        // Two threads may compile the same bytes at once; both get the first one stored.
        Ok(self.cache.lock().expect("cache lock").entry(sha256).or_insert(component).clone())
    }

    /// Number of distinct components compiled so far.
    pub fn cached_components(&self) -> usize {
        self.cache.lock().expect("cache lock").len()
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
