//! The WebAssembly runtime: the only module that touches wasmtime.
//!
//! One [`Runtime`] owns one `Engine` and a cache of compiled components keyed by the
//! SHA-256 of their bytes. A [`ModelComponent`] is compiled and linked once (its
//! `InstancePre` is reused); every call gets a fresh `Store` and instance, so no state
//! leaks between jobs and a trapped instance is simply dropped. Calls are synchronous and
//! CPU-bound: async callers run them on a blocking thread.

mod bindings;
mod component;
mod convert;
mod description;
mod disk_cache;
mod engine;
mod error;
mod limits;
mod output;
mod sandbox;

pub use component::{Call, ModelComponent};
pub use description::{ModelDescription, PeriodType};
pub use engine::{CompileStats, Runtime, RuntimeSettings};
pub use error::RuntimeError;
pub use limits::{LimitError, LimitOverrides, SandboxLimits, bytes};
pub use output::{CallObserver, GuestOutput, LogLevel, LogRecord};
