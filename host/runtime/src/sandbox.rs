//! The per-call sandbox: the `Store` data of one instance. WASI is linked because a
//! `wasm32-wasip2` Rust guest imports it to start, but the context grants nothing: no
//! preopened directories, no environment, no arguments, no sockets, stdin empty, and
//! stdout/stderr captured into bounded in-memory pipes. What the guest says through our
//! `host` interface is bounded here: log lines are truncated and counted (lines and bytes
//! per call), progress reports are truncated and coalesced (latest wins, at most one per
//! [`PROGRESS_INTERVAL`]), so a flood costs nothing downstream.

use super::error::RuntimeError;
use super::limiter::CallLimiter;
use super::limits::SandboxLimits;
use super::output::{CallObserver, GuestOutput, LogRecord};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::ResourceLimiter;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

/// Seed of the deterministic random stream every call gets.
const RANDOM_SEED: u64 = 0x6368_6170_7761_736d; // "chapwasm"

/// The most random bytes one WASI call may ask for (the host allocates them).
const MAX_RANDOM_BYTES: u64 = 1 << 20;
/// Most WASI resources (streams, pollables, …) a call may hold at once.
const MAX_RESOURCES: usize = 10_000;

/// The most often a call's progress reaches its observer; reports in between are
/// coalesced (the latest wins and is sent when the interval has passed, or at the end).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

pub(crate) struct SandboxState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: CallLimiter,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
    output_bytes: usize,
    logs: Vec<LogRecord>,
    log_bytes: usize,
    max_log_lines: usize,
    max_log_bytes: usize,
    observer: Arc<dyn CallObserver>,
    last_progress: Option<Instant>,
    pending_progress: Option<(f64, String)>,
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
            .max_random_size(MAX_RANDOM_BYTES)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        Self {
            wasi,
            table,
            limiter: CallLimiter::new(limits.memory_bytes),
            stdout,
            stderr,
            output_bytes: limits.output_bytes,
            logs: Vec::new(),
            log_bytes: 0,
            max_log_lines: limits.log_lines,
            max_log_bytes: limits.log_bytes,
            observer,
            last_progress: None,
            pending_progress: None,
        }
    }

    pub(crate) fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limiter
    }

    /// Keeps a log line (already truncated) and forwards it, unless the call has logged
    /// all it may: then the call stops with the limit.
    pub(crate) fn log(&mut self, record: LogRecord) -> Result<(), RuntimeError> {
        if self.logs.len() >= self.max_log_lines {
            return Err(RuntimeError::LogLimit { limit: self.max_log_lines });
        }
        if self.log_bytes + record.message.len() > self.max_log_bytes {
            return Err(RuntimeError::LogBytesLimit { limit: self.max_log_bytes });
        }
        self.log_bytes += record.message.len();
        self.observer.log(&record);
        self.logs.push(record);
        Ok(())
    }

    /// A progress report (its message already truncated): forwarded now if the last one
    /// went out at least an interval ago, otherwise kept as the pending one (replacing any
    /// earlier pending report).
    pub(crate) fn progress(&mut self, fraction: f64, message: String) {
        let fraction = if fraction.is_nan() { 0.0 } else { fraction.clamp(0.0, 1.0) };
        self.pending_progress = Some((fraction, message));
        self.flush_progress(false);
    }

    /// Sends the pending progress report if it is due (or `now_anyway`, at the end of a call).
    pub(crate) fn flush_progress(&mut self, now_anyway: bool) {
        let due = now_anyway || self.last_progress.is_none_or(|sent| sent.elapsed() >= PROGRESS_INTERVAL);
        if due && let Some((fraction, message)) = self.pending_progress.take() {
            self.observer.progress(fraction, &message);
            self.last_progress = Some(Instant::now());
        }
    }

    /// What the guest wrote and logged during the call (each pipe read once), and the
    /// capture limit it hit, if any: a full stdout or stderr (writes past it fail in the
    /// guest).
    pub(crate) fn take_output(&mut self) -> (GuestOutput, Option<RuntimeError>) {
        let (stdout, stderr) = (self.stdout.contents(), self.stderr.contents());
        let limit = self.output_bytes;
        let hit = if stdout.len() >= limit {
            Some(RuntimeError::OutputLimit { stream: "stdout", limit })
        } else if stderr.len() >= limit {
            Some(RuntimeError::OutputLimit { stream: "stderr", limit })
        } else {
            None
        };
        let output = GuestOutput {
            stdout: super::guest_text::without_nul(String::from_utf8_lossy(&stdout).into_owned()),
            stderr: super::guest_text::without_nul(String::from_utf8_lossy(&stderr).into_owned()),
            logs: std::mem::take(&mut self.logs),
        };
        (output, hit)
    }
}

impl WasiView for SandboxState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
