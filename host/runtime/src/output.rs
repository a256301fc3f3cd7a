//! What a guest says while it runs: stdout, stderr and `log` lines are captured (bounded)
//! for the job's record; `log` and `progress` are also forwarded live to an observer.

use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogRecord {
    pub level: LogLevel,
    pub message: String,
}

/// Everything a call captured from the guest, each part within its limit.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GuestOutput {
    pub stdout: String,
    pub stderr: String,
    pub logs: Vec<LogRecord>,
}

impl GuestOutput {
    /// The last line logged at level `error` (a panicking SDK guest logs its message there).
    pub fn last_error(&self) -> Option<&str> {
        self.logs.iter().rev().find(|r| r.level == LogLevel::Error).map(|r| r.message.as_str())
    }
}

/// Receives a running call's progress and log lines as they happen (e.g. to stream them
/// to SSE clients). Called on the thread running the guest: keep it cheap. Progress
/// arrives coalesced (see `PROGRESS_INTERVAL`), every text truncated.
pub trait CallObserver: Send + Sync {
    fn progress(&self, _fraction: f64, _message: &str) {}
    fn log(&self, _record: &LogRecord) {}
}

/// An observer that ignores everything.
pub struct Ignore;

impl CallObserver for Ignore {}

pub fn ignore() -> Arc<dyn CallObserver> {
    Arc::new(Ignore)
}
