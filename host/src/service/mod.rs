//! The domain: submitting ML jobs, running them on the model component, and recording
//! their artifacts. No HTTP here; the wire shapes of requests and responses live in `api`.
//!
//! A submission is checked up front (config or model exists, frames are well formed) and
//! committed as a `pending` job row with everything it needs to run; the scheduler claims
//! pending rows (at most `max_concurrency` at a time), runs the guest on a blocking thread
//! and commits the artifact and the job's completion in one transaction.

pub mod clock;
mod components;
pub mod config;
mod events;
mod horizon;
mod leases;
mod notify;
mod predictions;
mod record;
mod run;
mod scheduler;
mod submit;

pub use components::{RegisterError, load_component};
pub use events::{JobEvent, JobEvents};
pub use leases::LeasePolicy;
pub use record::{Generation, MlKind, MlRecord, MlStatus};
pub use submit::{JobRequest, SubmitError, Submitted};

use crate::runtime::{CancelToken, ModelComponent, Runtime};
use crate::store::Store;
use config::ConfigValidator;
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
    /// Set by `drain`: claim no more jobs.
    draining: AtomicBool,
}

/// A job running here: the token that stops its guest and the attempt (fencing token) it
/// runs under.
struct RunningJob {
    cancel: CancelToken,
    attempt: i64,
}

impl MlService {
    /// Creates the service and starts its scheduler on the current tokio runtime. Jobs a
    /// previous process left running are failed first; pending ones will run.
    /// `horizon` is the service's `[min, max]` prediction periods.
    pub async fn start(
        store: Store,
        runtime: Arc<Runtime>,
        model: ModelComponent,
        max_concurrency: usize,
        horizon: (u32, u32),
        lease: LeasePolicy,
    ) -> Result<Arc<Self>, String> {
        // Fail at start-up, not on the first config, if the default model's schema is broken.
        ConfigValidator::new(&model.description().config_schema)?;
        // An embedded SQLite database has one server: whatever it left running died with
        // it. On PostgreSQL other replicas may be running jobs; leases sort those out.
        if store.backend() == crate::store::Backend::Sqlite {
            let interrupted = store.fail_interrupted_jobs(&clock::job_time()).await.map_err(|e| e.to_string())?;
            if interrupted > 0 {
                tracing::warn!(interrupted, "failed jobs left running by a previous process");
            }
        }
        let replica = clock::new_id();
        let (events, outgoing) = match store.backend() {
            crate::store::Backend::Sqlite => (JobEvents::default(), None),
            crate::store::Backend::Postgres => {
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
            draining: AtomicBool::new(false),
        });
        if let Some(outgoing) = outgoing {
            tokio::spawn(notify::relay(service.store.clone(), service.replica.clone(), outgoing));
            tokio::spawn(notify::listen(service.clone()));
        }
        tokio::spawn(scheduler::run(service.clone()));
        tokio::spawn(service.clone().rescue_forever());
        Ok(service)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn model(&self) -> &ModelComponent {
        &self.model
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    pub fn events(&self) -> &JobEvents {
        &self.events
    }

    /// Cancels a job if it is running here (its guest is abandoned at once, wherever it
    /// is, and its slot freed), then forgets it; false if unknown. Nothing the job would
    /// have written is written.
    pub async fn delete_job(&self, job_id: &str) -> Result<bool, crate::store::StoreError> {
        let deleted = self.store.delete_job(job_id).await?;
        self.interrupt(job_id);
        if deleted {
            self.events.publish(JobEvent::Deleted { job_id: job_id.to_owned() });
        }
        Ok(deleted)
    }
}
