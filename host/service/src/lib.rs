//! The domain of chapwasm: submitting ML jobs, running them on model components, and
//! recording their artifacts; the component registry; what may be stored as a config or
//! an artifact. Every rule that decides what may happen lives here. No HTTP (the wire
//! shapes live in the server crate) and no SQL text (the store crate has it all): this
//! crate depends on neither axum nor sqlx.
//!
//! A submission is checked up front (config or model exists, frames are well formed) and
//! committed as a `pending` job row with everything it needs to run; the scheduler claims
//! pending rows (at most `max_concurrency` at a time), runs the guest through the runtime
//! (on a blocking thread, under its limits) and commits the artifact and the job's
//! completion in one transaction. When no job waits and a slot is free, a submission
//! skips the queue: its row is committed already claimed and its guest starts meanwhile
//! (`door`).

mod artifacts;
pub mod clock;
mod components;
mod config;
mod configs;
mod data_hash;
mod door;
mod early_read;
mod events;
mod handoff;
mod horizon;
mod leases;
mod notify;
mod predictions;
mod record;
mod records;
mod retention;
mod run;
mod scheduler;
mod sized_work;
mod submit;

pub use artifacts::{ArtifactError, ArtifactInput, ArtifactTree, MAX_TREE_NODES};
pub use components::{MAX_COMPONENT_BYTES, RegisterError};
pub use config::{ConfigInvalid, ConfigValidator};
pub use configs::{ConfigError, ConfigInput};
pub use early_read::EarlyRead;
pub use events::{JobEvent, JobEvents};
pub use leases::LeasePolicy;
pub use record::{Generation, MlKind, MlRecord, MlStatus};
pub use records::MAX_LISTED;
pub use retention::Retention;
pub use submit::{AcceptedJob, Idempotency, JobRequest, Pinned, SubmitError, Submitted};

// What the layers above need of the runtime and the store: types, not handles.
pub use chapwasm_runtime::{
    CompileLimits, CompileStats, Compiler, DescribeLimits, LimitError, LimitOverrides, ModelDescription, PLACEHOLDERS,
    PeriodType, RuntimeError, RuntimeSettings, SandboxLimits, ShellCommands, bytes, private_scratch,
};
pub use chapwasm_store::{
    ArtifactChangeError, ArtifactRow, ComponentRow, ConfigRow, JobRow, JobStatus, LinkError, StoreError,
};

use chapwasm_runtime::{CancelToken, ModelComponent, Runtime, sha256_hex};
use chapwasm_store::Store;
use components::load_component;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, Semaphore};

pub struct MlService {
    store: Store,
    runtime: Arc<Runtime>,
    model: ModelComponent,
    slots: Arc<Semaphore>,
    wakeup: Notify,
    events: JobEvents,
    horizon: (u32, u32),
    /// The jobs running in this process.
    running: Mutex<HashMap<String, RunningJob>>,
    /// This process's name on leases (a ULID per start).
    replica: String,
    lease: LeasePolicy,
    /// Most jobs waiting to run (across replicas) before submissions are refused.
    max_pending_jobs: usize,
    retention: Retention,
    /// Set by `drain`: claim no more jobs.
    draining: AtomicBool,
    /// Set by `drain`, under the `running` lock, once it has taken the jobs it hands back:
    /// a claim that registers later (its statement outlasted drain's wait) hands its job
    /// back itself.
    handed_back: AtomicBool,
    /// Read-held by the scheduler and by a job started at the door (`door`) from their
    /// look at `draining` until the job they claimed is in `running`; `drain` takes it
    /// for writing once, so a claim under way is seen, not missed.
    claiming: Arc<tokio::sync::RwLock<()>>,
    /// Inputs of jobs submitted here, for their run here (see `handoff`).
    handoff: handoff::InputsHandoff,
}

/// A job running here: the token that stops its guest and the attempt (fencing token) it
/// runs under.
struct RunningJob {
    cancel: CancelToken,
    attempt: i64,
}

/// Everything the service is opened with.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// `:memory:`, a SQLite file path, a `sqlite://` or a `postgres://` URL.
    pub database_url: String,
    pub runtime: RuntimeSettings,
    /// The default model (what configs without a component run).
    pub model: DefaultModel,
    /// Most jobs running at once in this process.
    pub max_concurrency: usize,
    /// The service's `[min, max]` prediction periods; `None`: the default model's.
    pub horizon: (Option<u32>, Option<u32>),
    pub queue: QueuePolicy,
}

/// The service's default model: a component's bytes, or an operator's shell model
/// (trusted commands; see `chapwasm_runtime::ShellCommands`), which is never registered as
/// a component (its commands are not code the registry could keep or serve).
#[derive(Debug, Clone)]
pub enum DefaultModel {
    Component(Arc<[u8]>),
    Shell(Box<ShellModel>),
}

/// An operator's shell model, as the service runs it.
#[derive(Debug, Clone)]
pub struct ShellModel {
    pub commands: ShellCommands,
    pub description: ModelDescription,
    /// The SHA-256 of its declaration: what artifacts name as their model's code.
    pub sha256: String,
}

/// How jobs are queued and kept: the queue's bound, leases, and retention.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueuePolicy {
    pub lease: LeasePolicy,
    /// Most jobs waiting to run before submissions are refused (answered "try later").
    pub max_pending_jobs: usize,
    pub retention: Retention,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        Self { lease: LeasePolicy::default(), max_pending_jobs: 10_000, retention: Retention::default() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the model component: {0}")]
    Model(#[from] RegisterError),
    #[error("{0}")]
    Setup(String),
}

impl MlService {
    /// Opens the database, loads the default model (its precompiled code verified, see
    /// `load_component`) and starts the scheduler on the current tokio runtime.
    pub async fn open(settings: ServiceSettings) -> Result<Arc<Self>, OpenError> {
        let runtime = Arc::new(Runtime::new(settings.runtime)?);
        let store = Store::connect(&settings.database_url).await?;
        let model = match settings.model {
            DefaultModel::Component(component) => {
                let sha256 = {
                    let component = component.clone();
                    tokio::task::spawn_blocking(move || sha256_hex(&component))
                        .await
                        .map_err(|e| OpenError::Setup(format!("hashing the model component was aborted: {e}")))?
                };
                let model = load_component(&store, &runtime, component.clone(), sha256).await?;
                components::register_default(&store, &model, &component).await?;
                model
            }
            DefaultModel::Shell(shell) => {
                let ShellModel { commands, description, sha256 } = *shell;
                ModelComponent::shell(commands, description, sha256, *runtime.limits())?
            }
        };
        // Memory only: a start that cannot give the cache back goes on.
        if let Err(error) = store.release_cache().await {
            tracing::warn!(%error, "cannot give SQLite's cached pages back");
        }
        let description = model.description();
        let horizon = (
            settings.horizon.0.unwrap_or(description.min_prediction_periods),
            settings.horizon.1.unwrap_or(description.max_prediction_periods),
        );
        Self::start(store, runtime, model, settings.max_concurrency, horizon, settings.queue)
            .await
            .map_err(OpenError::Setup)
    }

    /// Creates the service and starts its scheduler on the current tokio runtime. Jobs a
    /// previous process left running are failed first; pending ones will run.
    /// `horizon` is the service's `[min, max]` prediction periods.
    async fn start(
        store: Store,
        runtime: Arc<Runtime>,
        model: ModelComponent,
        max_concurrency: usize,
        horizon: (u32, u32),
        queue: QueuePolicy,
    ) -> Result<Arc<Self>, String> {
        let lease = queue.lease;
        // Fail at start-up, not on the first config, if the default model's schema is broken.
        ConfigValidator::new(&model.description().config_schema)?;
        // An embedded SQLite database has one server: whatever it left running died with
        // it, and runs again (within the attempt budget, like a rescued lease). On
        // PostgreSQL other replicas may be running jobs; leases sort those out.
        if store.backend() == chapwasm_store::Backend::Sqlite {
            let interrupted = store.requeue_interrupted_jobs(&clock::job_time(), lease.max_attempts).await;
            let interrupted = interrupted.map_err(|e| e.to_string())?;
            if !interrupted.requeued.is_empty() || !interrupted.failed.is_empty() {
                tracing::warn!(requeued = ?interrupted.requeued, failed = ?interrupted.failed, "jobs left running by a previous process");
            }
        }
        let replica = clock::new_id();
        let (events, outgoing) = match store.backend() {
            chapwasm_store::Backend::Sqlite => (JobEvents::default(), None),
            chapwasm_store::Backend::Postgres => {
                let (relay, outgoing) = tokio::sync::mpsc::channel(events::RELAY_CAPACITY);
                (JobEvents::relayed(relay), Some(outgoing))
            }
        };
        let service = Arc::new(Self {
            store,
            runtime,
            model,
            slots: Arc::new(Semaphore::new(max_concurrency.max(1))),
            wakeup: Notify::new(),
            events,
            horizon,
            running: Mutex::new(HashMap::new()),
            replica,
            lease,
            max_pending_jobs: queue.max_pending_jobs,
            retention: queue.retention,
            draining: AtomicBool::new(false),
            handed_back: AtomicBool::new(false),
            claiming: Arc::new(tokio::sync::RwLock::new(())),
            handoff: handoff::InputsHandoff::default(),
        });
        tokio::spawn(service.clone().sweep_forever());
        if let Some(outgoing) = outgoing {
            tokio::spawn(notify::relay(service.store.clone(), service.replica.clone(), outgoing));
            tokio::spawn(notify::listen(service.clone()));
        }
        tokio::spawn(scheduler::run(service.clone()));
        tokio::spawn(service.clone().rescue_forever());
        Ok(service)
    }

    /// The default model's description (what configs without a component run).
    pub fn model_description(&self) -> &ModelDescription {
        self.model.description()
    }

    /// The SHA-256 (hex) of the default model component.
    pub fn model_sha256(&self) -> &str {
        self.model.sha256()
    }

    /// The service's sandbox limits (ceilings of every component's).
    pub fn limits(&self) -> &SandboxLimits {
        self.runtime.limits()
    }

    pub fn describe_limits(&self) -> &DescribeLimits {
        self.runtime.describe_limits()
    }

    pub fn compiler(&self) -> &Compiler {
        self.runtime.compiler()
    }

    /// How many jobs wait to run, across replicas.
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        self.store.count_pending_jobs().await
    }

    /// How many jobs run in this process now.
    pub fn running_here(&self) -> usize {
        self.running.lock().expect("running lock").len()
    }

    /// This process's name on leases (a ULID per start).
    pub fn replica(&self) -> &str {
        &self.replica
    }

    pub fn compile_stats(&self) -> CompileStats {
        self.runtime.compile_stats()
    }

    pub fn events(&self) -> &JobEvents {
        &self.events
    }

    /// Cancels a job if it is running here (its guest is abandoned at once, wherever it
    /// is, and its slot freed), then forgets it; false if unknown. Nothing the job would
    /// have written is written.
    pub async fn delete_job(&self, job_id: &str) -> Result<bool, StoreError> {
        let deleted = self.store.delete_job(job_id).await?;
        self.interrupt(job_id);
        self.handoff.forget(job_id);
        if deleted {
            self.events.publish(JobEvent::Deleted { job_id: job_id.to_owned() });
        }
        Ok(deleted)
    }
}
