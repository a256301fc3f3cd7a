//! Logging and progress through the host's imports, plus the panic hook that makes a
//! panic's message reach the job's error (a panic traps; the host quotes the last
//! `error`-level line it received before the trap).

use super::bindings::chap::model::host;
use super::bindings::chap::model::types::LogLevel as WitLevel;
use std::sync::Once;

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Sends one line to the job's log. Prefer the [`crate::log!`] macro.
pub fn log(level: LogLevel, message: &str) {
    let level = match level {
        LogLevel::Trace => WitLevel::Trace,
        LogLevel::Debug => WitLevel::Debug,
        LogLevel::Info => WitLevel::Info,
        LogLevel::Warn => WitLevel::Warn,
        LogLevel::Error => WitLevel::Error,
    };
    host::log(level, message);
}

/// Reports progress (`fraction` in 0..=1) of the running train or predict call.
pub fn progress(fraction: f64, message: &str) {
    host::progress(fraction, message);
}

/// Logs a formatted line: `log!(info, "trained on {} rows", n)`.
#[macro_export]
macro_rules! log {
    (trace, $($arg:tt)+) => { $crate::log($crate::LogLevel::Trace, &format!($($arg)+)) };
    (debug, $($arg:tt)+) => { $crate::log($crate::LogLevel::Debug, &format!($($arg)+)) };
    (info, $($arg:tt)+) => { $crate::log($crate::LogLevel::Info, &format!($($arg)+)) };
    (warn, $($arg:tt)+) => { $crate::log($crate::LogLevel::Warn, &format!($($arg)+)) };
    (error, $($arg:tt)+) => { $crate::log($crate::LogLevel::Error, &format!($($arg)+)) };
}

/// Installs (once per instance) a panic hook that logs `panicked at <file:line>: <message>`
/// at level `error`, so the host can quote it when the panic traps.
pub(crate) fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("panic with a non-text payload");
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            host::log(WitLevel::Error, &format!("panicked at {location}: {message}"));
        }));
    });
}
