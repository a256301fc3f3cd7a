//! The per-call sandbox: the `Store` data of one instance. WASI is linked because a
//! `wasm32-wasip2` Rust guest imports it to start, but the context grants nothing: no
//! preopened directories, no environment, no arguments, no sockets, stdin empty, and
//! stdout/stderr captured into bounded in-memory pipes. The `host` interface of our world
//! records log lines and forwards progress.

use super::bindings::chap::model::{host, types};
use super::error::RuntimeError;
use super::limits::SandboxLimits;
use super::output::{CallObserver, GuestOutput, LogLevel, LogRecord};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

/// Seed of the deterministic random stream every call gets.
const RANDOM_SEED: u64 = 0x6368_6170_7761_736d; // "chapwasm"

pub(crate) struct SandboxState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    logs: Vec<LogRecord>,
    dropped_log_lines: usize,
    max_log_lines: usize,
    output_bytes: usize,
    observer: Arc<dyn CallObserver>,
    deadline: std::time::Instant,
    time_limit: std::time::Duration,
    interrupted: Option<Interruption>,
}

/// Why the host stopped a running guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interruption {
    Canceled,
    TimeLimit(std::time::Duration),
}

impl SandboxState {
    pub(crate) fn new(limits: &SandboxLimits, observer: Arc<dyn CallObserver>) -> Self {
        let stdout = MemoryOutputPipe::new(limits.output_bytes);
        let stderr = MemoryOutputPipe::new(limits.output_bytes);
        // Randomness is a fixed, seeded stream: the same call sees the same bytes, so
        // models (and std's hash maps inside them) are reproducible. Not for secrets.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .secure_random(StdRng::seed_from_u64(RANDOM_SEED))
            .insecure_random(StdRng::seed_from_u64(RANDOM_SEED))
            .insecure_random_seed(u128::from(RANDOM_SEED))
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .table_elements(1 << 20)
                .trap_on_grow_failure(true)
                .build(),
            stdout,
            stderr,
            logs: Vec::new(),
            dropped_log_lines: 0,
            max_log_lines: limits.log_lines,
            output_bytes: limits.output_bytes,
            observer,
            deadline: std::time::Instant::now() + limits.time_limit,
            time_limit: limits.time_limit,
            interrupted: None,
        }
    }

    pub(crate) fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }

    /// Called at every epoch tick: stop the guest if its call was canceled or ran out of time.
    pub(crate) fn check_interruption(&mut self) -> Option<Interruption> {
        if self.observer.is_canceled() {
            self.interrupted = Some(Interruption::Canceled);
        } else if std::time::Instant::now() >= self.deadline {
            self.interrupted = Some(Interruption::TimeLimit(self.time_limit));
        }
        self.interrupted
    }

    pub(crate) fn interrupted(&self) -> Option<Interruption> {
        self.interrupted
    }

    /// What the guest wrote and logged during the call (each pipe read once), and the
    /// capture limit it hit, if any: a full stdout or stderr (writes past it fail in the
    /// guest) or more log lines than kept.
    pub(crate) fn take_output(&mut self) -> (GuestOutput, Option<RuntimeError>) {
        let (stdout, stderr) = (self.stdout.contents(), self.stderr.contents());
        let limit = self.output_bytes;
        let hit = if stdout.len() >= limit {
            Some(RuntimeError::OutputLimit { stream: "stdout", limit })
        } else if stderr.len() >= limit {
            Some(RuntimeError::OutputLimit { stream: "stderr", limit })
        } else {
            (self.dropped_log_lines > 0).then_some(RuntimeError::LogLimit { limit: self.max_log_lines })
        };
        let output = GuestOutput {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            logs: std::mem::take(&mut self.logs),
            dropped_log_lines: self.dropped_log_lines,
        };
        (output, hit)
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl types::Host for SandboxState {}

impl host::Host for SandboxState {
    fn log(&mut self, level: types::LogLevel, message: String) {
        let level = match level {
            types::LogLevel::Trace => LogLevel::Trace,
            types::LogLevel::Debug => LogLevel::Debug,
            types::LogLevel::Info => LogLevel::Info,
            types::LogLevel::Warn => LogLevel::Warn,
            types::LogLevel::Error => LogLevel::Error,
        };
        let record = LogRecord { level, message };
        self.observer.log(&record);
        if self.logs.len() < self.max_log_lines {
            self.logs.push(record);
        } else {
            self.dropped_log_lines += 1;
        }
    }

    fn progress(&mut self, fraction: f64, message: String) {
        let fraction = if fraction.is_nan() { 0.0 } else { fraction.clamp(0.0, 1.0) };
        self.observer.progress(fraction, &message);
    }
}
