//! `ModelComponent`: a compiled, linked and described model. Each call instantiates it in
//! a fresh store (~10 µs from the reused `InstancePre`), runs one export, and returns the
//! result together with everything the guest printed and logged.

use super::bindings::{ModelRunner, ModelRunnerPre};
use super::convert::{description, frame_from_wit, frame_to_wit, model_error};
use super::description::ModelDescription;
use super::error::RuntimeError;
use super::limits::SandboxLimits;
use super::output::{CallObserver, GuestOutput, ignore};
use super::sandbox::{Interruption, SandboxState};
use chapwasm_sdk::DataFrame;
use std::sync::Arc;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

/// The result of one call plus what the guest said while running.
#[derive(Debug)]
pub struct Call<T> {
    pub result: Result<T, RuntimeError>,
    pub output: GuestOutput,
}

pub struct ModelComponent {
    engine: Engine,
    pre: ModelRunnerPre<SandboxState>,
    sha256: String,
    description: ModelDescription,
    limits: SandboxLimits,
}

impl std::fmt::Debug for ModelComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelComponent").field("sha256", &self.sha256).field("name", &self.description.name).finish()
    }
}

impl ModelComponent {
    /// Links a compiled component to the sandbox and describes it.
    pub(crate) fn link(
        engine: &Engine,
        linker: &Linker<SandboxState>,
        component: Component,
        sha256: String,
        limits: SandboxLimits,
    ) -> Result<Self, RuntimeError> {
        let invalid = |e: wasmtime::Error| RuntimeError::InvalidComponent(format!("{e:#}"));
        let foreign: Vec<String> = component
            .component_type()
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .filter(|name| !name.starts_with("wasi:") && !name.starts_with("chap:model/"))
            .collect();
        if !foreign.is_empty() {
            return Err(RuntimeError::InvalidComponent(format!(
                "the component imports what the sandbox does not provide: {} (allowed: chap:model/host and WASI 0.2)",
                foreign.join(", ")
            )));
        }
        let pre = linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = ModelRunnerPre::new(pre).map_err(|e| {
            RuntimeError::InvalidComponent(format!("the component does not implement chap:model/model-runner: {e:#}"))
        })?;
        let mut this = Self { engine: engine.clone(), pre, sha256, description: placeholder_description(), limits };
        let described = this.call(ignore(), |runner, store| Ok(Ok(runner.call_describe(store)?)));
        this.description = described
            .result
            .and_then(description)
            .map_err(|e| RuntimeError::InvalidComponent(format!("describe() failed: {e}")))?;
        Ok(this)
    }

    /// The same component running under other limits (a component's own overrides).
    pub fn with_limits(&self, limits: SandboxLimits) -> ModelComponent {
        ModelComponent {
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            sha256: self.sha256.clone(),
            description: self.description.clone(),
            limits,
        }
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
    pub fn train(
        &self,
        config_json: &str,
        data: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<Vec<u8>> {
        let data = frame_to_wit(data);
        let limit = self.limits.model_bytes;
        self.call(observer, |runner, store| {
            let model = runner.call_train(store, config_json, &data, geo)?.map_err(model_error);
            Ok(model.and_then(|model| match model.len() {
                size if size > limit => Err(RuntimeError::ModelSizeLimit { limit, size }),
                _ => Ok(model),
            }))
        })
    }

    /// Predicts: returns the future frame with sample columns.
    pub fn predict(
        &self,
        config_json: &str,
        model: &[u8],
        historic: DataFrame,
        future: DataFrame,
        geo: Option<&str>,
        observer: Arc<dyn CallObserver>,
    ) -> Call<DataFrame> {
        let historic = frame_to_wit(historic);
        let future = frame_to_wit(future);
        self.call(observer, |runner, store| {
            let frame = runner.call_predict(store, config_json, model, &historic, &future, geo)?;
            let limit = self.limits.output_frame_bytes;
            Ok(frame.map_err(model_error).and_then(|frame| match frame_bytes(&frame) {
                size if size > limit => Err(RuntimeError::FrameSizeLimit { limit, size }),
                _ => frame_from_wit(frame),
            }))
        })
    }

    /// Runs `export` on a fresh instance and turns traps into `RuntimeError`s.
    fn call<T>(
        &self,
        observer: Arc<dyn CallObserver>,
        export: impl FnOnce(&ModelRunner, &mut Store<SandboxState>) -> wasmtime::Result<Result<T, RuntimeError>>,
    ) -> Call<T> {
        let mut store = Store::new(&self.engine, SandboxState::new(&self.limits, observer));
        store.limiter(|state| state.limiter());
        if let Some(fuel) = self.limits.fuel
            && let Err(e) = store.set_fuel(fuel)
        {
            return Call { result: Err(RuntimeError::Sandbox(format!("{e:#}"))), output: GuestOutput::default() };
        }
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut context| match context.data_mut().check_interruption() {
            Some(_) => Ok(UpdateDeadline::Interrupt),
            None => Ok(UpdateDeadline::Continue(1)),
        });
        let outcome = self.pre.instantiate(&mut store).and_then(|runner| export(&runner, &mut store));
        let (output, capture_limit) = store.data_mut().take_output();
        let result = match (outcome, store.data().interrupted()) {
            (Err(_), Some(Interruption::Canceled)) => Err(RuntimeError::Canceled),
            (Err(_), Some(Interruption::TimeLimit(limit))) => Err(RuntimeError::TimeLimit { limit }),
            (Err(error), None) if is_memory_limit(&error) => {
                Err(RuntimeError::MemoryLimit { limit: self.limits.memory_bytes })
            }
            (Err(error), None) if matches!(error.downcast_ref::<Trap>(), Some(Trap::OutOfFuel)) => {
                Err(RuntimeError::FuelLimit { limit: self.limits.fuel.unwrap_or_default() })
            }
            // A guest whose writes failed because its output was full mostly dies of it.
            (_, _) if capture_limit.is_some() => Err(capture_limit.expect("checked")),
            (Ok(result), _) => result,
            (Err(error), None) => Err(trap_error(&error, &output)),
        };
        Call { result, output }
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

/// The size of a returned frame as the output limit counts it: 8 bytes per number,
/// 1 per bool, the text of strings (measured before the host copies it into its own types).
fn frame_bytes(frame: &super::bindings::chap::model::types::DataFrame) -> usize {
    use super::bindings::chap::model::types::ColumnValues;
    frame
        .columns
        .iter()
        .map(|column| match &column.values {
            ColumnValues::F64(values) => values.len() * 8,
            ColumnValues::S64(values) => values.len() * 8,
            ColumnValues::Bool(values) => values.len(),
            ColumnValues::String(values) => values.iter().map(String::len).sum(),
        })
        .sum()
}

/// Whether the guest trapped because `StoreLimits` refused to grow its memory.
fn is_memory_limit(error: &wasmtime::Error) -> bool {
    error.chain().any(|cause| cause.to_string().starts_with("forcing trap when growing memory"))
}

/// Names a trap, quoting the panic message an SDK guest logs before it aborts.
fn trap_error(error: &wasmtime::Error, output: &GuestOutput) -> RuntimeError {
    let last_error = output.last_error().map(str::to_owned);
    match error.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) if last_error.as_deref().is_some_and(|m| m.starts_with("panicked at")) => {
            RuntimeError::Panic { message: last_error.expect("checked") }
        }
        Some(trap) => RuntimeError::Trap { trap: trap.to_string(), last_error },
        None => RuntimeError::Trap { trap: format!("{error:#}"), last_error },
    }
}

fn placeholder_description() -> ModelDescription {
    ModelDescription {
        name: String::new(),
        version: String::new(),
        description: String::new(),
        config_schema: serde_json::Value::Null,
        target: String::new(),
        required_covariates: Vec::new(),
        allow_free_additional_continuous_covariates: false,
        period_type: super::description::PeriodType::Any,
        requires_geo: false,
        min_prediction_periods: 0,
        max_prediction_periods: 0,
    }
}
