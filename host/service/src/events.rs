//! Job events, pushed to SSE subscribers the moment they happen (no polling): a state
//! change (with the job's new record when the publisher has it, so subscribers need not
//! read it back), progress reported by the guest, or deletion.

use chapwasm_runtime::{CallObserver, LogRecord};
use chapwasm_store::JobRow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    /// The job's record changed; `job` is the new record (without inputs) if known.
    Changed {
        job_id: String,
        job: Option<Arc<JobRow>>,
    },
    Progress {
        job_id: String,
        fraction: f64,
        message: String,
    },
    Deleted {
        job_id: String,
    },
    /// Events of other replicas may have been lost (their notifications' connection
    /// dropped): every follower reads its job's record again. Never relayed.
    Missed,
}

impl JobEvent {
    /// The job the event is about; `None` for one about every job.
    pub fn job_id(&self) -> Option<&str> {
        match self {
            JobEvent::Changed { job_id, .. } | JobEvent::Progress { job_id, .. } | JobEvent::Deleted { job_id } => {
                Some(job_id)
            }
            JobEvent::Missed => None,
        }
    }
}

/// Events kept for subscribers that read slowly; one that falls further behind skips
/// ahead (and reads the job's record from the store instead).
const SUBSCRIBER_CAPACITY: usize = 1024;
/// Events waiting to be relayed to the other replicas; beyond it, progress reports are
/// dropped and other events logged as lost (the receivers read the store on their own
/// state changes).
pub(super) const RELAY_CAPACITY: usize = 4096;

/// The fan-out of job events inside one process, and, with a relay, to the other
/// replicas sharing the database (`notify.rs`). Every queue here is bounded: a guest's
/// progress arrives coalesced from the runtime, and a subscriber that never reads holds
/// at most its own bounded backlog.
#[derive(Clone)]
pub struct JobEvents {
    sender: broadcast::Sender<JobEvent>,
    relay: Option<tokio::sync::mpsc::Sender<JobEvent>>,
    /// Events of this process's own jobs published so far (see `published`).
    published: Arc<AtomicU64>,
}

impl Default for JobEvents {
    fn default() -> Self {
        Self { sender: broadcast::channel(SUBSCRIBER_CAPACITY).0, relay: None, published: Arc::default() }
    }
}

impl JobEvent {
    /// A change, carrying the job's new record (its inputs left out).
    pub fn changed(job: &JobRow) -> Self {
        JobEvent::Changed { job_id: job.id.clone(), job: Some(Arc::new(job.clone_summary())) }
    }
}

impl JobEvents {
    /// Events that are also handed to `relay` (in order) for the other replicas.
    pub fn relayed(relay: tokio::sync::mpsc::Sender<JobEvent>) -> Self {
        Self { relay: Some(relay), ..Self::default() }
    }

    /// Publishes here and to the other replicas.
    pub fn publish(&self, event: JobEvent) {
        self.published.fetch_add(1, Ordering::Relaxed);
        if let Some(relay) = &self.relay
            && let Err(tokio::sync::mpsc::error::TrySendError::Full(event)) = relay.try_send(event.clone())
            && !matches!(event, JobEvent::Progress { .. })
        {
            tracing::warn!(job = ?event.job_id(), "the relay to other replicas is full; an event was not relayed");
        }
        self.publish_here(event);
    }

    /// Publishes to this process's subscribers only (an event another replica relayed).
    pub fn publish_here(&self, event: JobEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.sender.send(event);
    }

    /// How many events this process published about its own jobs so far (not those
    /// relayed from other replicas): a sign of activity that costs its readers no wake-up
    /// per event, as a subscription would.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.sender.subscribe()
    }
}

/// Forwards a running guest's progress reports (already coalesced and truncated by the
/// runtime) as job events.
pub(super) struct ProgressPublisher {
    pub events: JobEvents,
    pub job_id: String,
}

impl CallObserver for ProgressPublisher {
    fn progress(&self, fraction: f64, message: &str) {
        self.events.publish(JobEvent::Progress { job_id: self.job_id.clone(), fraction, message: message.to_owned() });
    }

    fn log(&self, _record: &LogRecord) {}
}
