//! Everything that can go wrong when loading or calling a model component.

use super::limits::bytes;
use chapwasm_sdk::ModelError;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The bytes are not a component implementing `chap:model/model-runner`.
    #[error("invalid component: {0}")]
    InvalidComponent(String),
    /// The model detected a problem and returned an error.
    #[error("model error ({}): {}", .0.kind.as_str(), .0.message)]
    Model(ModelError),
    /// The guest panicked; the message is the one its panic hook logged.
    #[error("model panicked: {message}")]
    Panic { message: String },
    /// The guest trapped (out-of-bounds access, stack overflow, limit hit, ...).
    #[error("model trapped: {trap}{}", .last_error.as_ref().map(|e| format!(" (last error logged: {e})")).unwrap_or_default())]
    Trap { trap: String, last_error: Option<String> },
    /// The call was canceled while the guest ran.
    #[error("canceled while running")]
    Canceled,
    /// The guest tried to grow its memory past the limit.
    #[error("memory limit of {} exceeded", bytes(*.limit))]
    MemoryLimit { limit: usize },
    /// The call ran past the wall-clock limit.
    #[error("time limit of {} s exceeded", .limit.as_secs_f64())]
    TimeLimit { limit: std::time::Duration },
    /// The call burned all its fuel.
    #[error("fuel limit of {limit} units exceeded")]
    FuelLimit { limit: u64 },
    /// The guest filled its stdout or stderr.
    #[error("{stream} limit of {} exceeded", bytes(*.limit))]
    OutputLimit { stream: &'static str, limit: usize },
    /// The guest logged more lines than a call may.
    #[error("log limit of {limit} lines exceeded")]
    LogLimit { limit: usize },
    /// `train` returned a model larger than allowed.
    #[error("model size limit of {} exceeded (the model is {})", bytes(*.limit), bytes(*.size))]
    ModelSizeLimit { limit: usize, size: usize },
    /// `predict` returned a frame larger than allowed.
    #[error("output frame limit of {} exceeded (the frame holds {})", bytes(*.limit), bytes(*.size))]
    FrameSizeLimit { limit: usize, size: usize },
    /// The guest returned something that breaks the contract (e.g. a ragged frame).
    #[error("model returned invalid output: {0}")]
    InvalidOutput(String),
    /// The host could not set up the sandbox (a bug or resource exhaustion, not the model).
    #[error("sandbox error: {0}")]
    Sandbox(String),
}
