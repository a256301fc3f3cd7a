//! The WebAssembly runtime: the only module that touches wasmtime.
//!
//! One [`Runtime`] owns one `Engine` and a cache of compiled components keyed by the
//! SHA-256 of their bytes. A [`ModelComponent`] is compiled and linked once (its
//! `InstancePre` is reused); every call gets a fresh `Store` and instance, so no state
//! leaks between jobs and a trapped instance is simply dropped. Calls are async: each runs
//! on a blocking thread of its own under a supervisor that enforces its deadline and
//! cancellation wherever the guest is (`call.rs`); everything the guest hands the host is
//! bounded before the host allocates for it.

mod bindings;
mod bounded_map;
mod call;
mod cancel;
mod compiler;
mod component;
mod convert;
mod description;
mod disk_cache;
mod engine;
mod error;
mod guest_text;
mod host_imports;
mod limiter;
mod limits;
mod output;
mod sandbox;
mod shell;

pub use call::Call;
pub use cancel::CancelToken;
pub use compiler::{CompileLimits, Compiler, WORKER_COMMAND, run_compile_worker};
pub use component::ModelComponent;
pub use convert::MAX_COLUMN_NAME_BYTES;
pub use description::{ModelDescription, PeriodType};
pub use engine::{CompileStats, Loaded, Runtime, RuntimeSettings, sha256_hex};
pub use error::RuntimeError;
pub use guest_text::{ERROR_MESSAGE_BYTES, LOG_LINE_BYTES, PROGRESS_MESSAGE_BYTES};
pub use limiter::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};
pub use limits::{DESCRIPTION_BYTES, DescribeLimits, LimitError, LimitOverrides, SandboxLimits, bytes};
pub use output::{CallObserver, GuestOutput, LogLevel, LogRecord, ignore};
pub use sandbox::PROGRESS_INTERVAL;
pub use shell::{PLACEHOLDERS, ShellCommands, private_scratch};
