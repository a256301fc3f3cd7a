//! Follows job events to count jobs that end on this replica, by kind and status, their
//! durations (claim to end), and the sandbox limit that failed a job, read from its error:
//! the runtime's limit errors are the whole message, while whatever a guest says comes after
//! a fixed prefix (`model error (...)`, `model panicked: ...`), so a guest cannot pose as a
//! limit hit.
//! A follower that falls behind the event queue counts what it skipped as missed.

use super::Metrics;
use chapwasm_service::{JobEvent, JobRow, JobStatus, MlService};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Runs until the service's event channel closes.
pub async fn follow_jobs(service: Arc<MlService>, metrics: Arc<Metrics>) {
    let mut events = service.events().subscribe();
    loop {
        match events.recv().await {
            Ok(JobEvent::Changed { job: Some(job), .. }) if job.status.is_terminal() => ended(&metrics, &job),
            Ok(_) => {}
            Err(RecvError::Lagged(skipped)) => metrics.events_missed.inc_by(skipped),
            Err(RecvError::Closed) => return,
        }
    }
}

fn ended(metrics: &Metrics, job: &JobRow) {
    let status = match job.status {
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed",
        JobStatus::Canceled => "canceled",
        _ => "other",
    };
    let kind = if job.kind == "train" { "train" } else { "predict" };
    metrics.jobs_ended.with_label_values(&[kind, status]).inc();
    if let (Some(started), Some(finished)) = (&job.started_at, &job.finished_at)
        && let (Ok(started), Ok(finished)) =
            (chrono::DateTime::parse_from_rfc3339(started), chrono::DateTime::parse_from_rfc3339(finished))
    {
        let seconds = (finished - started).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6;
        metrics.job_seconds.with_label_values(&[kind, status]).observe(seconds);
    }
    if let Some(limit) = job.error.as_deref().and_then(limit_hit) {
        metrics.limit_hits.with_label_values(&[limit]).inc();
    }
}

/// The sandbox limit an error message reports, if any (the runtime's wording, from the
/// start of the message).
fn limit_hit(error: &str) -> Option<&'static str> {
    const LIMITS: [(&str, &str); 8] = [
        ("memory limit of", "memory"),
        ("time limit of", "time"),
        ("fuel limit of", "fuel"),
        ("model size limit of", "model_bytes"),
        ("output frame limit of", "output_frame_bytes"),
        ("stdout limit of", "output_bytes"),
        ("stderr limit of", "output_bytes"),
        ("log limit of", "log"),
    ];
    LIMITS.iter().find(|(words, _)| error.starts_with(words)).map(|(_, limit)| *limit)
}

#[cfg(test)]
mod tests {
    use super::limit_hit;

    #[test]
    fn limit_messages_name_their_limit() {
        assert_eq!(limit_hit("memory limit of 512 MiB exceeded"), Some("memory"));
        assert_eq!(limit_hit("time limit of 1 s exceeded"), Some("time"));
        assert_eq!(limit_hit("stderr limit of 1 MiB exceeded"), Some("output_bytes"));
        assert_eq!(limit_hit("model error: bad config"), None);
    }

    #[test]
    fn a_guest_cannot_pose_as_a_limit_hit() {
        assert_eq!(limit_hit("model error (invalid-data): time limit of 5 s exceeded"), None);
        assert_eq!(limit_hit("model panicked: memory limit of 1 GiB exceeded"), None);
    }
}
