//! Our `chap:model/host` interface, linked by hand instead of through `bindgen!` so that a
//! message arrives as a `WasmStr`: a view into the guest's memory, of which the host reads
//! only what it keeps (a 64 MiB log line costs a bounds check and a 16 KiB copy, not a
//! 64 MiB allocation). The `types` interface carries no functions; it is defined so the
//! guest's import of it resolves.

use super::bindings::chap::model::types;
use super::guest_text::{LOG_LINE_BYTES, PROGRESS_MESSAGE_BYTES, truncated};
use super::output::{LogLevel, LogRecord};
use super::sandbox::SandboxState;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, WasmStr};

pub(crate) const TYPES_INTERFACE: &str = "chap:model/types@0.1.0";
pub(crate) const HOST_INTERFACE: &str = "chap:model/host@0.1.0";

pub(crate) fn add_to_linker(linker: &mut Linker<SandboxState>) -> wasmtime::Result<()> {
    linker.instance(TYPES_INTERFACE)?;
    let mut host = linker.instance(HOST_INTERFACE)?;
    host.func_wrap(
        "log",
        |mut store: StoreContextMut<'_, SandboxState>, (level, message): (types::LogLevel, WasmStr)| {
            let message = truncated(&message.to_str(&store)?, LOG_LINE_BYTES);
            let record = LogRecord { level: level_of(level), message };
            store.data_mut().log(record).map_err(wasmtime::Error::new)
        },
    )?;
    host.func_wrap("progress", |mut store: StoreContextMut<'_, SandboxState>, (fraction, message): (f64, WasmStr)| {
        let message = truncated(&message.to_str(&store)?, PROGRESS_MESSAGE_BYTES);
        store.data_mut().progress(fraction, message);
        Ok(())
    })?;
    Ok(())
}

fn level_of(level: types::LogLevel) -> LogLevel {
    match level {
        types::LogLevel::Trace => LogLevel::Trace,
        types::LogLevel::Debug => LogLevel::Debug,
        types::LogLevel::Info => LogLevel::Info,
        types::LogLevel::Warn => LogLevel::Warn,
        types::LogLevel::Error => LogLevel::Error,
    }
}
