//! Keeping jobs alive across replicas: each running job's lease is renewed by a heartbeat
//! (a run that finds its lease gone stops its guest: someone else owns the job now); a
//! rescuer on every replica puts jobs with expired leases back in the queue; and a replica
//! told to stop drains: it claims nothing more, lets running jobs finish within a grace
//! period, then hands the rest back.

use super::clock::job_time;
use super::{JobEvent, MlService};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long a claim holds without a heartbeat, and how often a job may be taken over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeasePolicy {
    pub duration: Duration,
    /// Claims before a job whose worker keeps disappearing is failed.
    pub max_attempts: i64,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        Self { duration: Duration::from_secs(30), max_attempts: 3 }
    }
}

impl LeasePolicy {
    fn beat(&self) -> Duration {
        (self.duration / 3).max(Duration::from_millis(50))
    }
}

/// A running job's heartbeat: stops renewing its lease when dropped — when its job's task
/// returns, and when it unwinds from a panic, so a dead job's lease expires and is rescued.
pub(super) struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn spawn(renewals: impl std::future::Future<Output = ()> + Send + 'static) -> Self {
        Self(tokio::spawn(renewals))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long `drain` waits, even with no grace period, for a claim under way to register
/// its job.
const CLAIM_UNDER_WAY: Duration = Duration::from_secs(1);

impl MlService {
    /// How long a claim or renewal holds (from the database's now).
    pub(super) fn lease_duration(&self) -> Duration {
        self.lease.duration
    }

    /// Renews the lease of a running job until the returned guard is dropped (however the
    /// job's task ends, a panic included); if the lease was lost, interrupts the job's
    /// guest (its late writes are fenced off anyway).
    pub(super) fn heartbeat(self: &Arc<Self>, job_id: String, attempt: i64) -> Heartbeat {
        let service = self.clone();
        Heartbeat::spawn(async move {
            let mut every = tokio::time::interval(service.lease.beat());
            every.tick().await;
            loop {
                every.tick().await;
                match service.store.renew_lease(&job_id, attempt, service.lease_duration()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = %job_id, attempt, "lost the job's lease; stopping its guest");
                        service.interrupt(&job_id);
                        return;
                    }
                    Err(error) => tracing::warn!(job = %job_id, %error, "cannot renew the job's lease"),
                }
            }
        })
    }

    /// Puts jobs whose lease expired back in the queue, forever (every replica runs one).
    pub(super) async fn rescue_forever(self: Arc<Self>) {
        let mut every = tokio::time::interval(self.lease.beat());
        loop {
            every.tick().await;
            match self.store.rescue_expired(&job_time(), self.lease.max_attempts).await {
                Ok(rescued) => {
                    if !rescued.requeued.is_empty() || !rescued.failed.is_empty() {
                        tracing::warn!(requeued = ?rescued.requeued, failed = ?rescued.failed, "rescued jobs with expired leases");
                    }
                    for job_id in rescued.requeued.iter().chain(&rescued.failed) {
                        self.events.publish(JobEvent::Changed { job_id: job_id.clone(), job: None });
                    }
                    if !rescued.requeued.is_empty() {
                        self.wakeup.notify_one();
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot look for expired leases");
                    self.check_store().await;
                }
            }
        }
    }

    /// After a failed write: checks the store's connections, which opens again a SQLite
    /// connection whose worker thread stopped (see the store's `readers` and `writer`).
    pub(super) async fn check_store(&self) {
        if let Err(error) = self.store.check_connections().await {
            tracing::error!(%error, "the database's connections cannot be opened again");
        }
    }

    /// Graceful stop: claim nothing more, wait up to `grace` for running jobs, then stop
    /// the rest and hand them back to the queue for another replica. Returns how many were
    /// handed back.
    pub async fn drain(&self, grace: Duration) -> usize {
        self.draining.store(true, Ordering::SeqCst);
        self.wakeup.notify_waiters();
        let now = tokio::time::Instant::now();
        let deadline = now + grace;
        // A job claimed before `draining` was set is in `running` once this is free. A
        // claim (at the door: the encoding and hashing of the job's inputs, then a
        // statement with them) that takes longer hands its job back itself once it sees
        // `handed_back`.
        let claim_deadline = deadline.max(now + CLAIM_UNDER_WAY);
        drop(tokio::time::timeout_at(claim_deadline, self.claiming.write()).await);
        while !self.running.lock().expect("running lock").is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let left: Vec<(String, i64)> = {
            let running = self.running.lock().expect("running lock");
            self.handed_back.store(true, Ordering::SeqCst);
            running.iter().map(|(id, run)| (id.clone(), run.attempt)).collect()
        };
        let mut handed_back = 0;
        for (job_id, attempt) in left {
            // Release first: the interrupted run's own failure write is then fenced off.
            match self.store.release_lease(&job_id, attempt).await {
                Ok(true) => handed_back += 1,
                Ok(false) => {}
                Err(error) => tracing::warn!(job = %job_id, %error, "cannot hand the job back; its lease will expire"),
            }
            self.interrupt(&job_id);
            self.events.publish(JobEvent::Changed { job_id, job: None });
        }
        handed_back
    }

    /// Hands back a job claimed too late to be registered (see `handed_back`): its run
    /// never starts, or is stopped by its caller, and another replica takes it.
    pub(super) async fn hand_back_late(&self, job_id: &str, attempt: i64) {
        match self.store.release_lease(job_id, attempt).await {
            Ok(_) => tracing::warn!(job = %job_id, "claimed while draining; handed back"),
            Err(error) => tracing::warn!(job = %job_id, %error, "cannot hand the job back; its lease will expire"),
        }
        self.events.publish(JobEvent::Changed { job_id: job_id.to_owned(), job: None });
    }

    /// Whether the service is draining (it claims no more jobs).
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Stops the guest of a job running here, if any.
    pub(super) fn interrupt(&self, job_id: &str) {
        if let Some(run) = self.running.lock().expect("running lock").get(job_id) {
            run.cancel.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Heartbeat;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn a_job_task_that_panics_stops_its_heartbeat() {
        let beats = Arc::new(AtomicUsize::new(0));
        let counted = beats.clone();
        let job = tokio::spawn(async move {
            let _heartbeat = Heartbeat::spawn(async move {
                loop {
                    counted.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            tokio::time::sleep(Duration::from_millis(30)).await;
            panic!("the job's task dies");
        });
        assert!(job.await.unwrap_err().is_panic());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let after_death = beats.load(Ordering::SeqCst);
        assert!(after_death > 0, "the heartbeat ran while the job lived");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(beats.load(Ordering::SeqCst), after_death, "no beat after the job's task died");
    }
}
