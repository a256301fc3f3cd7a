//! Every byte a guest controls is bounded before the host spends memory or time on it:
//! error messages and log lines are stored truncated with a marker, log bytes and
//! progress reports are capped and coalesced, frames that lie about their shape fail
//! without the host allocating what they claim, every memory of a call counts against one
//! limit, and returned models and frames hit our documented limits (not wasmtime's).

use crate::support::app::{TestApp, plugin_bytes, spawn_app_with};
use crate::support::server::ServerProcess;
use chapwasm_runtime::SandboxLimits;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use std::time::Duration;

fn frame() -> Value {
    json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0]]})
}

async fn mischief_app() -> TestApp {
    spawn_app_with(AppSettings { component: Some(plugin_bytes("mischief")), ..AppSettings::default() }).await
}

/// Trains with `act`, returns the finished job.
async fn train_act(app: &TestApp, act: &str) -> Value {
    let job_id = app.submit_train(&app.config(json!({ "act": act })).await, &frame()).await;
    app.wait_for_job_within(&job_id, Duration::from_secs(30)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_text_is_stored_truncated_and_capped() {
    let app = mischief_app().await;
    let job = train_act(&app, "huge-error").await;
    let error = job["error"].as_str().unwrap();
    assert!(error.len() < 80 << 10, "a 64 MiB error is stored truncated ({} bytes)", error.len());
    assert!(error.ends_with("… [truncated: 67108864 bytes in all]"), "{}", &error[error.len() - 80..]);

    let job = train_act(&app, "huge-log-line").await;
    assert_eq!(job["error"], "model error (failed): failed after a huge log line");
    let traceback = job["error_traceback"].as_str().unwrap();
    assert!(traceback.len() < 80 << 10, "the traceback holds the line truncated ({} bytes)", traceback.len());
    assert!(traceback.contains("… [truncated: 67108864 bytes in all]"));

    let job = train_act(&app, "log-bytes-flood").await;
    assert_eq!(job["error"], "log limit of 1 MiB exceeded");

    // Each job's record is bounded by the caps (64 KiB of error, 1 MiB of log, 1 MiB of
    // each output stream), and lists carry no tracebacks at all.
    let listing = app.get("/api/v1/jobs").await.text().await.unwrap();
    assert!(listing.len() < 256 << 10, "the job list is {} bytes", listing.len());
    let jobs: Value = serde_json::from_str(&listing).unwrap();
    assert!(jobs.as_array().unwrap().iter().all(|job| job["error_traceback"].is_null()), "{listing:.300}");
}

/// A guest reporting progress 200 000 times reaches an SSE client as a few coalesced
/// events (latest wins), each with a bounded message.
#[tokio::test(flavor = "multi_thread")]
async fn a_progress_flood_reaches_sse_clients_coalesced() {
    let app = mischief_app().await;
    let job_id = app.submit_train(&app.config(json!({"act": "progress-flood"})).await, &frame()).await;
    let stream = app.get(&format!("/api/v1/jobs/{job_id}/$stream")).await.text();
    let body = tokio::time::timeout(Duration::from_secs(30), stream).await.expect("the stream ends").unwrap();
    let progress: Vec<&str> = body.lines().filter(|l| l.contains(r#""progress""#)).collect();
    assert!(!progress.is_empty() && progress.len() <= 100, "{} progress events", progress.len());
    assert!(progress.iter().all(|event| event.len() < 4 << 10), "progress messages are capped");
    assert!(body.trim_end().lines().last().unwrap().contains(r#""status":"completed""#), "{body}");
}

/// Frames that lie about their shape (raw bindings): each prediction fails with what is
/// wrong, the server's memory stays bounded, and a good job still completes.
#[tokio::test(flavor = "multi_thread")]
async fn frames_that_lie_about_their_shape_fail_without_allocating_for_the_lie() {
    let liar = chapwasm_server::bundled::plugin_path("liar");
    let server = ServerProcess::start(&["--component", liar.to_str().unwrap(), "--memory-limit-mib", "128"]);
    let app = server.client();
    for (act, error) in [
        ("rows-lie", "model returned invalid output: column `sample_0` has 1 values for 4294967295 rows"),
        (
            "validity-lie",
            "model returned invalid output: column `sample_0` has a validity bitmap of 16777216 bytes for 2 rows (expected 1)",
        ),
        ("many-columns", "model returned invalid output: duplicate column `c0`"),
        ("huge-name", "model returned invalid output: a column name of 33554432 bytes (the limit is 1 KiB)"),
    ] {
        let config_id = app.config(json!({ "act": act })).await;
        let (train, trained) = app.train_and_wait(&config_id, &frame()).await;
        assert_eq!(trained["status"], "completed");
        let predict = json!({"model_artifact_id": train["artifact_id"], "historic": frame(), "future": frame()});
        let response = app.post("/api/v1/ml/$predict", &predict).await;
        let job_id = response.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned();
        let job = app.wait_for_job_within(&job_id, Duration::from_secs(20)).await;
        assert_eq!((job["status"].as_str(), job["error"].as_str()), (Some("failed"), Some(error)), "{act}");
    }
    let job = train_act(&app, "").await;
    assert_eq!(job["status"], "completed");
    let peak = server.peak_rss_mib();
    assert!(peak < 1024, "the server peaked at {peak} MiB");
}

/// Returned models and error messages: our limits fire with our messages.
#[tokio::test(flavor = "multi_thread")]
async fn a_model_over_its_limit_fails_with_our_message() {
    let limits = SandboxLimits { model_bytes: 64 << 20, ..SandboxLimits::default() };
    let app =
        spawn_app_with(AppSettings { component: Some(plugin_bytes("liar")), limits, ..AppSettings::default() }).await;
    let job = train_act(&app, "huge-model").await;
    assert_eq!(job["error"], "model size limit of 64 MiB exceeded");
    let job = train_act(&app, "huge-error").await;
    let error = job["error"].as_str().unwrap();
    assert!(error.len() < 80 << 10 && error.ends_with("… [truncated: 67108864 bytes in all]"), "{}", error.len());
}

/// Five memories of 200 MiB each fit a per-memory limit of 256 MiB; the call's limit
/// counts them together.
#[tokio::test(flavor = "multi_thread")]
async fn the_memory_limit_counts_every_memory_of_a_call() {
    let limits = SandboxLimits { memory_bytes: 256 << 20, ..SandboxLimits::default() };
    let app =
        spawn_app_with(AppSettings { component: Some(plugin_bytes("hoarder")), limits, ..AppSettings::default() })
            .await;
    let job = train_act(&app, "").await;
    assert_eq!(
        (job["status"].as_str(), job["error"].as_str()),
        (Some("failed"), Some("memory limit of 256 MiB exceeded"))
    );
}
