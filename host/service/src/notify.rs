//! Job events across replicas: on PostgreSQL every event published here is also sent with
//! `NOTIFY chapwasm_jobs`, and every replica `LISTEN`s, so an SSE client connected to one
//! replica follows a job another replica runs. Payloads carry ids and progress, never
//! records: a receiver reads the job row back. Own notifications are skipped.

use super::{JobEvent, MlService};
use chapwasm_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::mpsc::Receiver;

/// The notification payload (PostgreSQL caps it at 8000 bytes; messages are cut short).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Notice {
    from: String,
    job_id: String,
    #[serde(flatten)]
    what: What,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
enum What {
    Changed,
    Progress { fraction: f64, message: String },
    Deleted,
}

/// The notice of an event, or `None` for one that concerns only this replica.
fn notice(replica: &str, event: &JobEvent) -> Option<Notice> {
    let what = match event {
        JobEvent::Changed { .. } => What::Changed,
        JobEvent::Progress { fraction, message, .. } => {
            What::Progress { fraction: *fraction, message: message.chars().take(1000).collect() }
        }
        JobEvent::Deleted { .. } => What::Deleted,
        JobEvent::Missed => return None,
    };
    Some(Notice { from: replica.to_owned(), job_id: event.job_id()?.to_owned(), what })
}

fn event(notice: Notice) -> JobEvent {
    match notice.what {
        What::Changed => JobEvent::Changed { job_id: notice.job_id, job: None },
        What::Progress { fraction, message } => JobEvent::Progress { job_id: notice.job_id, fraction, message },
        What::Deleted => JobEvent::Deleted { job_id: notice.job_id },
    }
}

/// Sends this replica's events to the others, in order, until the service is dropped.
pub(super) async fn relay(store: Store, replica: String, mut events: Receiver<JobEvent>) {
    while let Some(event) = events.recv().await {
        let Some(notice) = notice(&replica, &event) else { continue };
        let payload = serde_json::to_string(&notice).expect("a notice serialises");
        if let Err(error) = store.notify(&payload).await {
            tracing::warn!(%error, "cannot relay a job event to the other replicas");
        }
    }
}

/// Publishes the other replicas' events to this one's subscribers, wakes its scheduler
/// when a job changed elsewhere (it may be a new submission), and stops the guest of a job
/// deleted elsewhere if it runs here. A lost connection loses what was sent meanwhile: once
/// listening again, every follower here is told to catch up from the tables
/// ([`JobEvent::Missed`]) and the scheduler looks for work.
pub(super) async fn listen(service: Arc<MlService>) {
    loop {
        let mut listener = match service.store.listen().await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other replicas' job events; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        service.events.publish_here(JobEvent::Missed);
        service.wakeup.notify_one();
        loop {
            match listener.recv().await {
                Ok(None) => {
                    tracing::warn!("lost the job-event listener; listening again");
                    break;
                }
                Ok(Some(payload)) => match serde_json::from_str::<Notice>(&payload) {
                    Ok(notice) if notice.from != service.replica => {
                        match notice.what {
                            What::Changed => service.wakeup.notify_one(),
                            // Deleted on another replica: if its guest runs here, stop it now
                            // (the heartbeat would notice only at its next beat).
                            What::Deleted => service.interrupt(&notice.job_id),
                            What::Progress { .. } => {}
                        }
                        service.events.publish_here(event(notice));
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "unreadable job event from another replica"),
                },
                Err(error) => {
                    tracing::warn!(%error, "lost the job-event listener; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_and_stay_small() {
        let progress = JobEvent::Progress { job_id: "J".into(), fraction: 0.5, message: "x".repeat(10_000) };
        let payload = serde_json::to_string(&notice("R", &progress).unwrap()).unwrap();
        assert!(payload.len() < 8000, "{}", payload.len());
        let back = event(serde_json::from_str(&payload).unwrap());
        assert_eq!(back, JobEvent::Progress { job_id: "J".into(), fraction: 0.5, message: "x".repeat(1000) });
        let changed =
            serde_json::to_string(&notice("R", &JobEvent::Changed { job_id: "J".into(), job: None }).unwrap()).unwrap();
        assert_eq!(changed, r#"{"from":"R","job_id":"J","event":"changed"}"#);
    }
}
