//! Everything that can go wrong when loading or calling a model component. Limits the
//! host enforces from inside a call (memory, log) travel through wasmtime as the trap's
//! cause and come back out as the same variant.

use super::limits::bytes;
use chapwasm_sdk::ModelError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    /// The bytes are not a component implementing `chap:model/model-runner`.
    #[error("invalid component: {0}")]
    InvalidComponent(String),
    /// The component could not be loaded this time: it ran out of a limit while being
    /// compiled or described (time, memory, the compile process). Not remembered as a
    /// rejection: the same bytes are tried again next time.
    #[error("{0}")]
    LoadFailed(String),
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
    /// The guest's memories together would have grown past the limit.
    #[error("memory limit of {} exceeded", bytes(*.limit))]
    MemoryLimit { limit: usize },
    /// The call ran past the wall-clock limit (in wasm or blocked in a host call).
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
    /// The guest logged more bytes than a call may.
    #[error("log limit of {} exceeded", bytes(*.limit))]
    LogBytesLimit { limit: usize },
    /// `train` returned (or tried to pass the host) a model larger than allowed.
    #[error("model size limit of {} exceeded{}", bytes(*.limit), size_note("model", *.size))]
    ModelSizeLimit { limit: usize, size: Option<usize> },
    /// `predict` returned (or tried to pass the host) a frame larger than allowed.
    #[error("output frame limit of {} exceeded{}", bytes(*.limit), size_note("frame", *.size))]
    FrameSizeLimit { limit: usize, size: Option<usize> },
    /// The guest returned something that breaks the contract (e.g. a ragged frame).
    #[error("model returned invalid output: {0}")]
    InvalidOutput(String),
    /// The host could not set up the sandbox (a bug or resource exhaustion, not the model).
    #[error("sandbox error: {0}")]
    Sandbox(String),
}

/// " (the model is 3 MiB)" when the size is known: it is not when the guest tried to pass
/// more than the host's copy budget, which stops the copy before it starts.
fn size_note(what: &str, size: Option<usize>) -> String {
    size.map(|size| format!(" (the {what} is {})", bytes(size))).unwrap_or_default()
}
