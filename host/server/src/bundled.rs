//! The model components built from `plugins/` by the build script: the default model is
//! compiled into the binary, so `chapwasm serve` works with nothing else on disk.

use std::path::PathBuf;

/// The spec's quick-start model (OLS, `sample_0`): the service's default component.
pub const LINEAR_REGRESSION: &[u8] = include_bytes!(concat!(env!("CHAPWASM_GUESTS_DIR"), "/linear_regression.wasm"));

/// Where the build script put every plugin's `.wasm` (for tests and examples in this
/// checkout; a deployed binary carries only [`LINEAR_REGRESSION`]).
pub fn guests_dir() -> PathBuf {
    PathBuf::from(env!("CHAPWASM_GUESTS_DIR"))
}

/// The path of a plugin component by crate name, e.g. `plugin_path("seasonal-forecast")`.
pub fn plugin_path(crate_name: &str) -> PathBuf {
    guests_dir().join(format!("{}.wasm", crate_name.replace('-', "_")))
}
