//! Time holds wherever a guest is: blocked in a host call (`std::thread::sleep`, i.e. WASI
//! `subscribe-duration` + `block`, where epoch interruption cannot reach it), a guest is
//! still stopped at its time limit and on `DELETE`, an upload that sleeps in `describe()`
//! is rejected at describe's own limit, and a server whose guest sleeps stops within its
//! shutdown grace period.

use crate::support::app::{plugin_bytes, spawn_app_with};
use crate::support::server::ServerProcess;
use chapwasm_runtime::{DescribeLimits, SandboxLimits};
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn frame() -> Value {
    json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0]]})
}

fn sleeper_settings(time_limit: Duration, max_concurrency: usize) -> AppSettings {
    let limits = SandboxLimits { time_limit, ..SandboxLimits::default() };
    AppSettings { component: Some(plugin_bytes("mischief")), limits, max_concurrency, ..AppSettings::default() }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_asleep_in_a_host_call_fails_at_its_time_limit() {
    let app = spawn_app_with(sleeper_settings(Duration::from_secs(1), 2)).await;
    let config_id = app.config(json!({"act": "sleep"})).await;
    let job_id = app.submit_train(&config_id, &frame()).await;
    let job = app.wait_for_job_within(&job_id, Duration::from_secs(15)).await;
    assert_eq!((job["status"].as_str(), job["error"].as_str()), (Some("failed"), Some("time limit of 1 s exceeded")));
}

/// Deleting a job whose guest sleeps frees its slot at once: with one slot, the next job
/// runs and completes.
#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_sleeping_job_frees_its_slot() {
    let app = spawn_app_with(sleeper_settings(Duration::from_secs(600), 1)).await;
    let sleeper = app.submit_train(&app.config(json!({"act": "sleep"})).await, &frame()).await;
    app.wait_for_status(&sleeper, &["running"], Duration::from_secs(10)).await;
    assert!(app.delete(&format!("/api/v1/jobs/{sleeper}")).await.status().is_success());
    let good = app.submit_train(&app.config(json!({})).await, &frame()).await;
    let job = app.wait_for_job_within(&good, Duration::from_secs(10)).await;
    assert_eq!(job["status"], "completed", "{job}");
}

/// `describe()` at upload runs under its own short limits, reported by `/api/v1/system`.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_asleep_in_describe_is_rejected_at_describes_time_limit() {
    let describe_limits = DescribeLimits { time_limit: Duration::from_secs(1), ..DescribeLimits::default() };
    let app = spawn_app_with(AppSettings { describe_limits, ..AppSettings::default() }).await;
    let system = app.get_json("/api/v1/system").await;
    assert_eq!(system["describe_limits"]["time_limit_seconds"], 1.0, "{system}");
    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(20), app.upload(plugin_bytes("drowsy"), ""))
        .await
        .expect("the upload is answered within describe's limit");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["detail"], "describe() failed: time limit of 1 s exceeded", "{problem}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(app.get_json("/health").await["status"], "healthy");
    // Running out of a limit is not held against the bytes: a later upload tries again.
    assert_eq!(app.upload(plugin_bytes("drowsy"), "").await.status(), 422);
    assert_eq!(app.get_json("/api/v1/system").await["components"]["rejections_remembered"], 0);
}

/// SIGTERM with a guest asleep for an hour: the server hands the job back after its grace
/// period and exits, instead of waiting for the guest.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_whose_guest_sleeps_stops_within_its_grace_period() {
    let mischief = chapwasm_server::bundled::plugin_path("mischief");
    let mut server = ServerProcess::start(&["--component", mischief.to_str().unwrap(), "--shutdown-grace-secs", "1"]);
    let client = server.client();
    let job_id = client.submit_train(&client.config(json!({"act": "sleep"})).await, &frame()).await;
    client.wait_for_status(&job_id, &["running"], Duration::from_secs(10)).await;
    server.terminate();
    let exit = server.wait_within(Duration::from_secs(10)).expect("the server exits within its grace period");
    assert!(exit.success(), "{exit:?}");
}
