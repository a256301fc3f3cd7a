//! Job leases in the store, on SQLite and (when configured) PostgreSQL: an expired lease
//! puts the job back in the queue and, after the attempt budget, fails it; a run that lost
//! its job can neither renew nor finish it; a drained service lets running jobs finish
//! within the grace period and hands the rest back.

use crate::support::app::{fresh_postgres_database, spawn_app_with};
use chapwasm_server::settings::AppSettings;
use chapwasm_service::clock::{job_time, new_id};
use chapwasm_store::{ArtifactRow, JobRow, JobStatus, Store};
use serde_json::json;
use std::time::Duration;

/// A lease that is over as soon as it is taken, and one that outlives the test.
const EXPIRED: Duration = Duration::ZERO;
const FAR: Duration = Duration::from_secs(3600);

async fn store() -> Store {
    let url = fresh_postgres_database().await.unwrap_or_else(|| ":memory:".into());
    Store::connect(&url).await.unwrap()
}

async fn pending_job(store: &Store) -> JobRow {
    pending_job_with(store, Vec::new()).await
}

async fn pending_job_with(store: &Store, inputs: Vec<u8>) -> JobRow {
    let job = JobRow {
        id: new_id(),
        kind: "train".into(),
        status: JobStatus::Pending,
        inputs: Some(inputs),
        artifact_id: new_id(),
        submitted_at: job_time(),
        started_at: None,
        finished_at: None,
        error: None,
        error_traceback: None,
        attempt: 0,
    };
    store.insert_job(&job, None, None).await.unwrap();
    job
}

fn artifact(id: &str) -> ArtifactRow {
    ArtifactRow {
        id: id.into(),
        parent_id: None,
        level: 0,
        data: "{}".into(),
        content: None,
        content_type: None,
        tags: "[]".into(),
        created_at: job_time(),
        updated_at: job_time(),
        written_by_job: true,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_leases_are_requeued_then_failed_after_the_attempt_budget() {
    let store = store().await;
    let job = pending_job(&store).await;
    let first = store.claim_next_job(&job_time(), "replica-a", EXPIRED).await.unwrap().unwrap();
    assert_eq!((first.id.as_str(), first.attempt), (job.id.as_str(), 1));
    let rescued = store.rescue_expired(&job_time(), 2).await.unwrap();
    assert_eq!((rescued.requeued, rescued.failed.len()), (vec![job.id.clone()], 0));
    assert_eq!(store.get_job(&job.id).await.unwrap().unwrap().status, JobStatus::Pending);

    let second = store.claim_next_job(&job_time(), "replica-b", EXPIRED).await.unwrap().unwrap();
    assert_eq!(second.attempt, 2);
    let rescued = store.rescue_expired(&job_time(), 2).await.unwrap();
    assert_eq!((rescued.requeued.len(), rescued.failed), (0, vec![job.id.clone()]));
    let failed = store.get_job(&job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(failed.error.unwrap().contains("interrupted on every attempt"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_lost_its_job_cannot_renew_or_finish_it() {
    let store = store().await;
    let job = pending_job(&store).await;
    let stale = store.claim_next_job(&job_time(), "replica-a", EXPIRED).await.unwrap().unwrap();
    store.rescue_expired(&job_time(), 3).await.unwrap();
    let current = store.claim_next_job(&job_time(), "replica-b", FAR).await.unwrap().unwrap();
    assert_eq!(store.rescue_expired(&job_time(), 3).await.unwrap().requeued.len(), 0, "a live lease stays");

    assert!(!store.renew_lease(&job.id, stale.attempt, FAR).await.unwrap());
    let now = job_time();
    assert!(!store.complete_job(&job.id, stale.attempt, &now, &artifact(&job.artifact_id), None).await.unwrap());
    assert!(!store.fail_job(&job.id, stale.attempt, &now, "late", "", None).await.unwrap());
    assert!(store.get_artifact(&job.artifact_id).await.unwrap().is_none(), "the fenced write left nothing");

    assert!(store.renew_lease(&job.id, current.attempt, FAR).await.unwrap());
    assert!(store.complete_job(&job.id, current.attempt, &now, &artifact(&job.artifact_id), None).await.unwrap());
    assert_eq!(store.get_job(&job.id).await.unwrap().unwrap().status, JobStatus::Completed);
    assert!(!store.release_lease(&job.id, current.attempt).await.unwrap(), "a finished job is not handed back");
}

/// A replica whose clock runs far ahead cannot take a healthy job over: leases are judged
/// by the database's clock, whatever time the rescuing replica believes it is.
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_with_a_skewed_clock_rescues_nothing_healthy() {
    let store = store().await;
    let job = pending_job(&store).await;
    let claimed = store.claim_next_job(&job_time(), "replica-a", Duration::from_secs(60)).await.unwrap().unwrap();
    assert_eq!(claimed.id, job.id);
    let rescued = store.rescue_expired("2999-01-01T00:00:00.000000Z", 3).await.unwrap();
    assert!(rescued.requeued.is_empty() && rescued.failed.is_empty(), "{rescued:?}");
    assert_eq!(store.get_job(&job.id).await.unwrap().unwrap().status, JobStatus::Running);
}

/// Draining: a job that finishes within the grace period completes; one that does not is
/// stopped and handed back to the queue. Claimed from the queue (small inputs) and started
/// at the door (large ones) alike.
#[tokio::test(flavor = "multi_thread")]
async fn draining_lets_jobs_finish_within_the_grace_period_and_hands_back_the_rest() {
    let mischief = std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap();
    let settings = || AppSettings { component: Some(mischief.clone()), max_concurrency: 2, ..AppSettings::default() };
    let small = json!({"columns": ["a"], "data": [[1.0]]});
    let large = json!({"columns": ["a"], "data": (0..25_000).map(|i| [f64::from(i)]).collect::<Vec<_>>()});
    let cases = [(300, 10.0, 0, "completed"), (5_000, 0.0, 1, "pending")];
    for (frame, (millis, grace, handed_back, status)) in
        [&small, &large].into_iter().flat_map(|f| cases.map(|c| (f, c)))
    {
        let app = spawn_app_with(settings()).await;
        let config_id = app.config(json!({"act": "busy", "millis": millis})).await;
        let submitted: serde_json::Value =
            app.post("/api/v1/ml/$train", &json!({"config_id": config_id, "data": frame})).await.json().await.unwrap();
        let job_path = format!("/api/v1/jobs/{}", submitted["job_id"].as_str().unwrap());
        while app.get_json(&job_path).await["status"] != "running" {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let service = app.service.as_ref().unwrap();
        assert_eq!(service.drain(Duration::from_secs_f64(grace)).await, handed_back, "{millis} ms job");
        assert_eq!(app.get_json(&job_path).await["status"], status, "{millis} ms job");
    }
}

/// A job's inputs are written once: claiming and finishing the job change its status, not
/// its inputs, and (on SQLite, whose rows are rewritten whole) must not write them again —
/// measured by the growth of the write-ahead log. The inputs are still there to run.
#[tokio::test(flavor = "multi_thread")]
async fn status_changes_do_not_rewrite_a_jobs_inputs() {
    let file = std::env::temp_dir().join(format!("chapwasm-inputs-{}.db", new_id()));
    let store = Store::connect(file.to_str().unwrap()).await.unwrap();
    let wal = || std::fs::metadata(format!("{}-wal", file.display())).map_or(0, |m| m.len());
    let inputs: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let job = pending_job_with(&store, inputs.clone()).await;
    let written = wal();
    let claimed = store.claim_next_job(&job_time(), "replica-a", FAR).await.unwrap().unwrap();
    assert_eq!(store.job_inputs(&claimed.id).await.unwrap(), Some(inputs), "the inputs are there to run");
    assert!(store.renew_lease(&job.id, 1, FAR).await.unwrap());
    let done = store.complete_job(&job.id, 1, &job_time(), &artifact(&job.artifact_id), None).await.unwrap();
    assert!(done);
    // (A background checkpoint in between could only make this smaller, never fail it.)
    let rewritten = wal().saturating_sub(written);
    assert!(rewritten < 1_000_000, "claim, renewal and completion wrote {rewritten} bytes to the WAL");
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}
