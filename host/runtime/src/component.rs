//! `ModelComponent`: a compiled, linked and described model. Each call instantiates it in
//! a fresh store (~10 µs from the reused `InstancePre`), runs one export under the call's
//! limits (see `call.rs`), and returns the result together with everything the guest
//! printed and logged. Cloning is cheap: the linked code is shared. An operator's shell
//! model (`shell/`: trusted commands, no sandbox) is a `ModelComponent` too, so the
//! service runs both the same way.

use super::bindings::ModelRunnerPre;
use super::call::{Call, CallKind, Guest};
use super::cancel::CancelToken;
use super::convert::{description, frame_bytes, frame_from_wit, frame_to_wit, model_error};
use super::description::ModelDescription;
use super::error::RuntimeError;
use super::host_imports::{HOST_INTERFACE, TYPES_INTERFACE};
use super::limits::SandboxLimits;
use super::output::{CallObserver, ignore};
use super::sandbox::SandboxState;
use super::shell::{self, ShellCommands};
use chapwasm_sdk::DataFrame;
use std::sync::Arc;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

#[derive(Clone)]
pub struct ModelComponent {
    runner: Runner,
    sha256: Arc<str>,
    description: Arc<ModelDescription>,
    limits: SandboxLimits,
}

/// What runs a call: the linked component, or a shell model's commands.
#[derive(Clone)]
enum Runner {
    Wasm(Arc<Guest>),
    Shell(Arc<ShellRunner>),
}

/// A shell model's commands; when the last clone of the model goes, its private scratch
/// directory goes too (if its calls left it empty, as they do).
struct ShellRunner(ShellCommands);

impl Drop for ShellRunner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0.scratch);
    }
}

impl std::fmt::Debug for ModelComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelComponent").field("sha256", &self.sha256).field("name", &self.description.name).finish()
    }
}

impl ModelComponent {
    /// Links a compiled component to the sandbox and describes it under `describe_limits`.
    pub(crate) async fn link(
        engine: &Engine,
        linker: &Linker<SandboxState>,
        component: Component,
        sha256: String,
        limits: SandboxLimits,
        describe_limits: SandboxLimits,
    ) -> Result<Self, RuntimeError> {
        let invalid = |e: wasmtime::Error| RuntimeError::InvalidComponent(format!("{e:#}"));
        let foreign: Vec<String> = component
            .component_type()
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .filter(|name| !name.starts_with("wasi:") && name != TYPES_INTERFACE && name != HOST_INTERFACE)
            .collect();
        if !foreign.is_empty() {
            return Err(RuntimeError::InvalidComponent(format!(
                "the component imports what the sandbox does not provide: {} (allowed: {HOST_INTERFACE}, \
                 {TYPES_INTERFACE} and WASI 0.2)",
                foreign.join(", ")
            )));
        }
        let pre = linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = ModelRunnerPre::new(pre).map_err(|e| {
            RuntimeError::InvalidComponent(format!("the component does not implement chap:model/model-runner: {e:#}"))
        })?;
        let guest = Arc::new(Guest { engine: engine.clone(), pre });
        let described = guest
            .call(CallKind::Describe, describe_limits, ignore(), CancelToken::default(), async |runner, store| {
                runner.call_describe(store).await
            })
            .await;
        // What the component did (trapped, panicked, described itself badly) is a
        // rejection; running out of a limit, or the host failing, is not held against it.
        let description = described.and_then(description).result.map_err(|e| match e {
            RuntimeError::InvalidComponent(message) => {
                RuntimeError::InvalidComponent(format!("describe() failed: {message}"))
            }
            RuntimeError::TimeLimit { .. }
            | RuntimeError::MemoryLimit { .. }
            | RuntimeError::FuelLimit { .. }
            | RuntimeError::Canceled
            | RuntimeError::Sandbox(_) => RuntimeError::LoadFailed(format!("describe() failed: {e}")),
            other => RuntimeError::InvalidComponent(format!("describe() failed: {other}")),
        })?;
        Ok(Self { runner: Runner::Wasm(guest), sha256: sha256.into(), description: Arc::new(description), limits })
    }

    /// A shell model: `commands` described by its operator (`description`); `sha256` names
    /// its declaration. Its calls run under `limits`' time limit and output caps only.
    pub fn shell(
        commands: ShellCommands,
        description: ModelDescription,
        sha256: String,
        limits: SandboxLimits,
    ) -> Result<Self, RuntimeError> {
        commands.check().map_err(RuntimeError::InvalidComponent)?;
        let runner = Runner::Shell(Arc::new(ShellRunner(commands)));
        Ok(Self { runner, sha256: sha256.into(), description: Arc::new(description), limits })
    }

    /// Whether this is a shell model (trusted native commands) rather than a component.
    pub fn is_shell(&self) -> bool {
        matches!(self.runner, Runner::Shell(_))
    }

    /// The same component running under other limits (a component's own overrides).
    pub fn with_limits(&self, limits: SandboxLimits) -> ModelComponent {
        ModelComponent { limits, ..self.clone() }
    }

    /// The limits every call of this component runs under.
    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// Hex SHA-256 of the component's bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The model's own description, from `describe()` at load time.
    pub fn description(&self) -> &ModelDescription {
        &self.description
    }

    /// Trains: returns the opaque model bytes.
    pub async fn train(
        &self,
        config_json: String,
        data: DataFrame,
        geo: Option<String>,
        observer: Arc<dyn CallObserver>,
        cancel: CancelToken,
    ) -> Call<Vec<u8>> {
        let guest = match &self.runner {
            Runner::Wasm(guest) => guest,
            Runner::Shell(runner) => {
                return shell::train(&runner.0, &config_json, &data, geo.as_deref(), &self.limits, &cancel).await;
            }
        };
        let data = frame_to_wit(data);
        let limit = self.limits.model_bytes;
        let export = async move |runner: &super::bindings::ModelRunner, store: &mut wasmtime::Store<SandboxState>| {
            runner.call_train(store, &config_json, &data, geo.as_deref()).await
        };
        let call = guest.call(CallKind::Train, self.limits, observer, cancel, export).await;
        call.and_then(|returned| match returned.map_err(model_error)? {
            model if model.len() > limit => Err(RuntimeError::ModelSizeLimit { limit, size: Some(model.len()) }),
            model => Ok(model),
        })
    }

    /// Predicts: returns the future frame with sample columns.
    #[allow(clippy::too_many_arguments)] // the contract's inputs, plus the call's observer and cancel token
    pub async fn predict(
        &self,
        config_json: String,
        model: Vec<u8>,
        historic: DataFrame,
        future: DataFrame,
        geo: Option<String>,
        observer: Arc<dyn CallObserver>,
        cancel: CancelToken,
    ) -> Call<DataFrame> {
        let guest = match &self.runner {
            Runner::Wasm(guest) => guest,
            Runner::Shell(runner) => {
                let (commands, limits, geo) = (&runner.0, &self.limits, geo.as_deref());
                return shell::predict(commands, &config_json, &model, &historic, &future, geo, limits, &cancel).await;
            }
        };
        let (historic, future) = (frame_to_wit(historic), frame_to_wit(future));
        let limit = self.limits.output_frame_bytes;
        let export = async move |runner: &super::bindings::ModelRunner, store: &mut wasmtime::Store<SandboxState>| {
            runner.call_predict(store, &config_json, &model, &historic, &future, geo.as_deref()).await
        };
        let call = guest.call(CallKind::Predict, self.limits, observer, cancel, export).await;
        call.and_then(|returned| {
            let frame = returned.map_err(model_error)?;
            match frame_bytes(&frame) {
                size if size > limit => Err(RuntimeError::FrameSizeLimit { limit, size: Some(size) }),
                _ => frame_from_wit(frame),
            }
        })
    }
}

/// Rejects bytes that are not WebAssembly, or a core module instead of a component, with
/// the fix in the message.
pub(crate) fn check_header(wasm: &[u8]) -> Result<(), RuntimeError> {
    match wasm.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Err(RuntimeError::InvalidComponent(
            "this is a core WebAssembly module, not a component: build with `--target wasm32-wasip2` \
             (or wrap it with `wasm-tools component new`)"
                .into(),
        )),
        Some([0, b'a', b's', b'm', ..]) => Ok(()),
        _ => Err(RuntimeError::InvalidComponent("not WebAssembly: the bytes do not start with `\\0asm`".into())),
    }
}
