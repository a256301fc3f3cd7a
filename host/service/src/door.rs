//! Starting a job with large inputs at the door. Through the queue, a job is committed
//! `pending`, the scheduler is woken and claims it in a second write, and only then does
//! its guest start: for a 100k-row job, after the ~10 ms its 5 MB of inputs take to
//! commit. When no job waits and a slot is free here, the submission instead writes the row
//! already claimed by this replica (same lease, attempt 1) and starts the guest at once,
//! while the row commits. The slot is taken before the inputs are encoded, so that the
//! data's hash is worked out beside the encoding rather than before the guest starts
//! (`data_hash`).
//!
//! Only jobs whose inputs are large (`sized_work::is_large`) take this way. For small ones
//! it was measured not to pay: a guest running beside the commit made a 1k-row `$train`'s
//! 202 half a millisecond slower on two cores, and starting after the commit instead held
//! a slot through the wait for the database's one writer, which cost 100-row
//! train+predict pairs under load a tenth of their throughput.
//!
//! The run is bound to the commit: it is registered in `running` (where `drain` and
//! deletion find it) and its lease is renewed only once the row committed, and if the
//! insert failed or an idempotency key named an earlier job, the guest is stopped and its
//! outcome dropped unwritten. Insert and run share one task, so a client that hangs up
//! mid-submission cannot separate a committed row from its run.

use super::clock::job_time;
use super::submit::{Idempotency, SubmitError, replay};
use super::{AcceptedJob, JobEvent, MlService, Submitted};
use chapwasm_runtime::CancelToken;
use chapwasm_store::{Claim, JobRow, JobStatus};
use std::sync::Arc;
use tokio::sync::{OwnedRwLockReadGuard, OwnedSemaphorePermit, oneshot};

/// A free slot, taken with `claiming` held so that `drain` waits for the job to register.
pub(super) struct Door {
    slot: OwnedSemaphorePermit,
    claiming: OwnedRwLockReadGuard<()>,
}

impl MlService {
    /// A slot to start a job in now, unless the service drains or every slot is busy.
    /// The caller has seen no job waiting (the queue's order is kept) and the job's
    /// inputs are large.
    pub(super) async fn open_door(&self) -> Option<Door> {
        if self.slots.available_permits() == 0 {
            return None;
        }
        let claiming = self.claiming.clone().read_owned().await;
        if self.is_draining() {
            return None;
        }
        let slot = self.slots.clone().try_acquire_owned().ok()?;
        Some(Door { slot, claiming })
    }

    /// Commits `job` (with its encoded inputs) already claimed and runs `accepted` on it
    /// meanwhile; answers once the row committed (or did not).
    pub(super) async fn start_at_door(
        self: &Arc<Self>,
        door: Door,
        mut job: JobRow,
        accepted: AcceptedJob,
        component_sha256: String,
        idempotency: Option<Idempotency>,
    ) -> Result<Submitted, SubmitError> {
        job.status = JobStatus::Running;
        job.started_at = Some(job_time());
        job.attempt = 1;
        let summary = job.clone_summary();
        let submitted = Submitted { job_id: job.id.clone(), artifact_id: job.artifact_id.clone(), replayed: false };
        let (reply, replied) = oneshot::channel();
        let service = self.clone();
        let key = idempotency.clone();
        tokio::spawn(async move {
            let Door { slot, claiming } = door;
            let cancel = CancelToken::default();
            let admission = async {
                let claim = Claim { owner: &service.replica, lease: service.lease_duration() };
                let inserted = service.insert(&job, &component_sha256, key.as_ref(), Some(claim)).await;
                drop(job); // the encoded inputs, now in the database
                let committed = matches!(inserted, Ok(None));
                let registered = committed && service.register_running(&summary, cancel.clone());
                if registered {
                    service.events.publish(JobEvent::changed(&summary));
                } else {
                    cancel.cancel();
                }
                drop(claiming);
                drop(reply.send(inserted));
                if committed && !registered {
                    service.hand_back_late(&summary.id, summary.attempt).await;
                }
                registered.then(|| service.heartbeat(summary.id.clone(), summary.attempt))
            };
            service.execute_admitted(summary.clone(), accepted, cancel.clone(), admission).await;
            drop(slot);
        });
        let inserted = replied.await.unwrap_or_else(|_| {
            Err(SubmitError::Encode("the task committing the job stopped before it answered".into()))
        });
        if let (Some(first), Some(idempotency)) = (inserted?, &idempotency) {
            return replay(first, idempotency);
        }
        Ok(submitted)
    }
}
