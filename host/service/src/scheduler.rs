//! The scheduler: claims pending jobs from the store (under a lease) while a concurrency
//! slot is free and runs each on its own task. Woken by submissions and rescues; stops
//! claiming when the service drains.

use super::MlService;
use super::clock::job_time;
use chapwasm_runtime::CancelToken;
use chapwasm_store::Backend;
use std::sync::Arc;
use std::time::Duration;

/// The longest an idle scheduler on PostgreSQL waits before looking for pending jobs anyway.
const IDLE_POLL: Duration = Duration::from_secs(1);

pub(super) async fn run(service: Arc<MlService>) {
    loop {
        let slot = service.slots.clone().acquire_owned().await.expect("semaphore never closes");
        let claiming = service.claiming.read().await;
        if service.is_draining() {
            return;
        }
        let claimed = service.store.claim_next_job(&job_time(), &service.replica, service.lease_duration()).await;
        // Known as running here before `drain` looks (see `claiming`).
        let claimed = claimed.map(|job| {
            job.map(|job| {
                let cancel = CancelToken::default();
                let registered = service.register_running(&job, cancel.clone());
                (registered, cancel, job)
            })
        });
        drop(claiming);
        match claimed {
            Ok(Some((false, _, job))) => {
                drop(slot);
                service.hand_back_late(&job.id, job.attempt).await;
            }
            Ok(Some((true, cancel, job))) => {
                service.events.publish(super::JobEvent::changed(&job));
                let service = service.clone();
                tokio::spawn(async move {
                    service.execute(job, cancel).await;
                    drop(slot);
                });
            }
            Ok(None) => {
                drop(slot);
                // Woken by submissions here or elsewhere (NOTIFY) and by rescues. On a
                // shared database a poll also catches what a lost notification would
                // leave waiting; an embedded one has no other writer.
                match service.store.backend() {
                    Backend::Postgres => drop(tokio::time::timeout(IDLE_POLL, service.wakeup.notified()).await),
                    Backend::Sqlite => service.wakeup.notified().await,
                }
            }
            Err(error) => {
                drop(slot);
                tracing::error!(%error, "cannot claim jobs; retrying in 1 s");
                service.check_store().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
