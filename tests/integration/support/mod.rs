//! Shared helpers: one runtime per test binary, plugin loading, frame builders and the
//! synthetic CHAP data set.

pub mod app;
pub mod chap_data;

use chapwasm::bundled::plugin_path;
use chapwasm::runtime::{Call, CallObserver, ModelComponent, Runtime, RuntimeSettings};
use chapwasm::{Column, DataFrame};
use std::sync::{Arc, Mutex, OnceLock};

/// The process-wide runtime (one engine, one component cache), as the server has.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(RuntimeSettings::default()).expect("runtime"))
}

/// A plugin by crate name, e.g. `plugin("linear-regression")`.
pub fn plugin(name: &str) -> Arc<ModelComponent> {
    let path = plugin_path(name);
    let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    runtime().load(&wasm).unwrap_or_else(|e| panic!("cannot load {name}: {e}"))
}

/// A frame of float columns.
pub fn floats(columns: &[(&str, Vec<f64>)]) -> DataFrame {
    DataFrame::from_columns(columns.iter().map(|(n, v)| Column::f64(*n, v.clone())).collect()).unwrap()
}

/// Unwraps a call's result, showing the guest's output on failure.
pub fn ok<T>(call: Call<T>) -> T {
    match call.result {
        Ok(value) => value,
        Err(e) => panic!("call failed: {e}\nguest output: {:#?}", call.output),
    }
}

/// Records every progress report and log line a call sends.
#[derive(Default)]
pub struct Recorder {
    pub events: Mutex<Vec<String>>,
}

impl CallObserver for Recorder {
    fn progress(&self, fraction: f64, message: &str) {
        self.events.lock().unwrap().push(format!("progress {fraction} {message}"));
    }

    fn log(&self, record: &chapwasm::runtime::LogRecord) {
        self.events.lock().unwrap().push(format!("log {:?} {}", record.level, record.message));
    }
}
