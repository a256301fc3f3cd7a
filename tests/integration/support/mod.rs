//! Shared helpers: one runtime per test binary, plugin loading, frame builders and the
//! synthetic CHAP data set.

pub mod app;
pub mod chap_data;
pub mod guest_builds;
pub mod server;

use chapwasm_runtime::{Call, CallObserver, CancelToken, ModelComponent, Runtime, RuntimeError, RuntimeSettings};
use chapwasm_sdk::{Column, DataFrame};
use chapwasm_server::bundled::plugin_path;
use std::sync::{Arc, Mutex, OnceLock};

/// The process-wide runtime (one engine, one component cache), as the server has.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(RuntimeSettings::default()).expect("runtime"))
}

/// Runs a runtime future to completion from a plain `#[test]` (calls are async: each
/// runs on a blocking thread under its supervisor).
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// Loads bytes in `runtime` (no code digests: nothing is read from a disk cache).
pub fn load(runtime: &Runtime, wasm: &[u8]) -> Result<ModelComponent, RuntimeError> {
    block_on(runtime.load_wasm(wasm))
}

/// A plugin by crate name, e.g. `plugin("linear-regression")`.
pub fn plugin(name: &str) -> ModelComponent {
    let path = plugin_path(name);
    let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    load(runtime(), &wasm).unwrap_or_else(|e| panic!("cannot load {name}: {e}"))
}

/// `train` and `predict` for plain tests: the contract's inputs by reference, run to the end.
pub trait CallNow {
    fn train_now(
        &self,
        config: &str,
        data: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<Vec<u8>>;
    fn predict_now(
        &self,
        config: &str,
        model: &[u8],
        historic: DataFrame,
        future: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<DataFrame>;
}

impl CallNow for ModelComponent {
    fn train_now(
        &self,
        config: &str,
        data: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<Vec<u8>> {
        let geo = geo.map(str::to_owned);
        block_on(self.train(config.to_owned(), data, geo, observer, CancelToken::default()))
    }

    fn predict_now(
        &self,
        config: &str,
        model: &[u8],
        historic: DataFrame,
        future: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<DataFrame> {
        let (config, model, geo) = (config.to_owned(), model.to_vec(), geo.map(str::to_owned));
        block_on(self.predict(config, model, historic, future, geo, observer, CancelToken::default()))
    }
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

    fn log(&self, record: &chapwasm_runtime::LogRecord) {
        self.events.lock().unwrap().push(format!("log {:?} {}", record.level, record.message));
    }
}
