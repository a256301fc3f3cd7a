//! One guest call, supervised. The guest runs as an async wasmtime call on a blocking
//! thread (never on the reactor), driven by that thread, and yields at every epoch tick;
//! the supervisor races it against the call's deadline and its cancel token. Whichever
//! wins, the call ends: a guest blocked inside a host call (a WASI sleep, a poll) is
//! abandoned with its store rather than waited for, so the time limit and cancellation
//! hold wherever the guest is.
//!
//! Every failure comes back as a `RuntimeError`: limits the host enforced from inside the
//! call carry their own variant through the trap; the rest are classified here.

use super::bindings::ModelRunner;
use super::bindings::ModelRunnerPre;
use super::cancel::CancelToken;
use super::error::RuntimeError;
use super::guest_text::{ERROR_MESSAGE_BYTES, truncated};
use super::limits::{DESCRIPTION_BYTES, SandboxLimits, bytes};
use super::output::{CallObserver, GuestOutput};
use super::sandbox::SandboxState;
use std::sync::Arc;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

/// The result of one call plus what the guest said while running.
#[derive(Debug)]
pub struct Call<T> {
    pub result: Result<T, RuntimeError>,
    pub output: GuestOutput,
}

impl<T> Call<T> {
    /// Checks or converts a successful result; the guest's output is kept either way.
    pub fn and_then<U>(self, next: impl FnOnce(T) -> Result<U, RuntimeError>) -> Call<U> {
        Call { result: self.result.and_then(next), output: self.output }
    }

    fn failed(error: RuntimeError) -> Self {
        Call { result: Err(error), output: GuestOutput::default() }
    }
}

/// Most component-model handles (resources) a call may hold at once: a model needs a few
/// (streams, pollables); each costs host memory.
const MAX_COMPONENT_HANDLES: usize = 10_000;

/// Which export a call runs: it decides the call's transfer budget and what exceeding
/// that budget means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    Describe,
    Train,
    Predict,
}

impl CallKind {
    /// The largest result this export may hand the host.
    fn output_limit(self, limits: &SandboxLimits) -> usize {
        match self {
            CallKind::Describe => DESCRIPTION_BYTES,
            CallKind::Train => limits.model_bytes,
            CallKind::Predict => limits.output_frame_bytes,
        }
    }

    /// The error for a guest that tried to pass the host more than the call's budget.
    fn over_budget(self, limits: &SandboxLimits) -> RuntimeError {
        match self {
            CallKind::Describe => RuntimeError::InvalidComponent(format!(
                "the description is larger than {} (or a host call passed more than that)",
                bytes(DESCRIPTION_BYTES)
            )),
            CallKind::Train => RuntimeError::ModelSizeLimit { limit: limits.model_bytes, size: None },
            CallKind::Predict => RuntimeError::FrameSizeLimit { limit: limits.output_frame_bytes, size: None },
        }
    }
}

/// A compiled component linked to the sandbox: what every call instantiates.
pub(crate) struct Guest {
    pub(crate) engine: Engine,
    pub(crate) pre: ModelRunnerPre<SandboxState>,
}

impl Guest {
    /// Runs `export` on a fresh instance under `limits`, on a blocking thread.
    pub(crate) async fn call<T: Send + 'static>(
        self: &Arc<Self>,
        kind: CallKind,
        limits: SandboxLimits,
        observer: Arc<dyn CallObserver>,
        cancel: CancelToken,
        export: impl AsyncFnOnce(&ModelRunner, &mut Store<SandboxState>) -> wasmtime::Result<T> + Send + 'static,
    ) -> Call<T> {
        let guest = self.clone();
        let handle = tokio::runtime::Handle::current();
        let supervised = move || handle.block_on(guest.supervise(kind, limits, observer, cancel, export));
        match tokio::task::spawn_blocking(supervised).await {
            Ok(call) => call,
            Err(error) => Call::failed(RuntimeError::Sandbox(format!("the call's thread failed: {error}"))),
        }
    }

    async fn supervise<T>(
        &self,
        kind: CallKind,
        limits: SandboxLimits,
        observer: Arc<dyn CallObserver>,
        cancel: CancelToken,
        export: impl AsyncFnOnce(&ModelRunner, &mut Store<SandboxState>) -> wasmtime::Result<T>,
    ) -> Call<T> {
        let mut store = Store::new(&self.engine, SandboxState::new(&limits, observer));
        store.limiter(|state| state.limiter());
        store.set_hostcall_fuel(limits.transfer_budget(kind.output_limit(&limits)));
        store.set_max_component_handles(MAX_COMPONENT_HANDLES);
        if let Some(fuel) = limits.fuel
            && let Err(e) = store.set_fuel(fuel)
        {
            return Call::failed(RuntimeError::Sandbox(format!("{e:#}")));
        }
        // Every tick: hand the thread back to the supervisor (so the deadline and the
        // cancel token are looked at) and send a coalesced progress report that is due.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut context| {
            context.data_mut().flush_progress(false);
            Ok(UpdateDeadline::Yield(1))
        });
        let returned = tokio::select! {
            biased;
            () = cancel.canceled() => Err(RuntimeError::Canceled),
            () = tokio::time::sleep(limits.time_limit) => Err(RuntimeError::TimeLimit { limit: limits.time_limit }),
            returned = async {
                let runner = self.pre.instantiate_async(&mut store).await?;
                export(&runner, &mut store).await
            } => Ok(returned),
        };
        store.data_mut().flush_progress(true);
        let (output, capture_limit) = store.data_mut().take_output();
        // A guest whose writes failed because its output was full mostly dies of it (or
        // returns anyway): the full stream is the reason given, unless a limit stopped it.
        let result = match (returned, capture_limit) {
            (Err(stopped), _) => Err(stopped),
            (Ok(Err(error)), full) => match (classify(&error, kind, &limits, &output), full) {
                (RuntimeError::Trap { .. } | RuntimeError::Panic { .. }, Some(full)) => Err(full),
                (error, _) => Err(error),
            },
            (Ok(Ok(_)), Some(full)) => Err(full),
            (Ok(Ok(value)), None) => Ok(value),
        };
        Call { result, output }
    }
}

/// Names what stopped a guest.
fn classify(error: &wasmtime::Error, kind: CallKind, limits: &SandboxLimits, output: &GuestOutput) -> RuntimeError {
    if let Some(ours) = error.chain().find_map(|cause| cause.downcast_ref::<RuntimeError>()) {
        return ours.clone();
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => RuntimeError::FuelLimit { limit: limits.fuel.unwrap_or_default() },
        _ if is_over_transfer_budget(error) => kind.over_budget(limits),
        Some(Trap::UnreachableCodeReached) if output.last_error().is_some_and(|m| m.starts_with("panicked at")) => {
            RuntimeError::Panic { message: output.last_error().expect("checked").to_owned() }
        }
        Some(trap) => RuntimeError::Trap { trap: trap.to_string(), last_error: output.last_error().map(str::to_owned) },
        // wasmtime's text carries a backtrace with names from the guest's name section:
        // guest-controlled, so cut like any other guest text.
        None => RuntimeError::Trap {
            trap: truncated(&format!("{error:#}"), ERROR_MESSAGE_BYTES),
            last_error: output.last_error().map(str::to_owned),
        },
    }
}

/// Whether wasmtime stopped a copy from the guest because it exceeded the store's
/// host-call fuel. wasmtime reports this with a private error type, so its message is
/// the only handle; `guest_sizes::a_model_over_its_limit_fails_with_our_message` (and the
/// frame test in `hostile.rs`) fail if it changes.
fn is_over_transfer_budget(error: &wasmtime::Error) -> bool {
    // The root cause only: the chain also holds the backtrace, whose names the guest picks.
    error.root_cause().to_string().ends_with("fuel allocated for hostcalls has been exhausted")
}
