//! The hostile-model suite at the runtime level: each misbehaviour ends in a clear error,
//! and the same runtime keeps serving well-behaved calls.

use crate::support::app::spawn_app_with;
use crate::support::{CallNow, Recorder, floats, load, ok, plugin};
use chapwasm_runtime::{Runtime, RuntimeError, RuntimeSettings, SandboxLimits};
use chapwasm_sdk::DataFrame;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};
use std::sync::Arc;

fn train(act: &str) -> Result<Vec<u8>, RuntimeError> {
    let config = serde_json::json!({ "act": act }).to_string();
    plugin("mischief").train_now(&config, DataFrame::default(), None, Arc::new(Recorder::default())).result
}

/// What a probe of the outside world saw, from the model error it reports.
fn probe(act: &str) -> String {
    match train(act) {
        Err(RuntimeError::Model(e)) => e.message,
        other => panic!("{act}: expected the probe's report, got {other:?}"),
    }
}

#[test]
fn the_outside_world_does_not_exist_for_a_guest() {
    let file = probe("read-file");
    assert!(file.starts_with("Err(") && file.contains("NotFound"), "read /etc/passwd: {file}");
    let root = probe("list-root");
    assert!(root.starts_with("Err(") && root.contains("NotFound"), "list /: {root}");
    let socket = probe("connect-socket");
    assert!(socket.starts_with("Err("), "connect: {socket}");
    assert_eq!(probe("read-env"), "[]", "no environment variables");
    // Randomness is a seeded stream: even std's randomly keyed hashers repeat.
    assert_eq!(probe("random"), probe("random"));
}

#[test]
fn resource_exhaustion_is_a_clear_error() {
    assert_eq!(train("memory-bomb").unwrap_err().to_string(), "memory limit of 512 MiB exceeded");
    assert!(matches!(train("stack-overflow"), Err(RuntimeError::Trap { .. })));
    assert_eq!(train("print-flood").unwrap_err().to_string(), "stdout limit of 1 MiB exceeded");
    assert_eq!(train("log-flood").unwrap_err().to_string(), "log limit of 10000 lines exceeded");
    // 160 MB of floats against a 64 MiB frame limit: stopped before the host copies it.
    let limits = SandboxLimits { output_frame_bytes: 64 << 20, ..SandboxLimits::default() };
    let runtime = Runtime::new(RuntimeSettings { limits, ..RuntimeSettings::default() }).unwrap();
    let mischief = load(&runtime, &std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap()).unwrap();
    let future = floats(&[("a", vec![1.0, 2.0])]);
    let quiet = Arc::new(Recorder::default());
    let call = mischief.predict_now(r#"{"act": "huge-frame"}"#, &[], DataFrame::default(), future, None, quiet);
    assert_eq!(call.result.unwrap_err().to_string(), "output frame limit of 64 MiB exceeded");
    // The same runtime still serves a good call afterwards.
    let data = floats(&[("a", vec![1.0, 2.0]), ("disease_cases", vec![2.0, 4.0])]);
    ok(plugin("linear-regression").train_now("{}", data, None, Arc::new(Recorder::default())));
}

/// Garbage predictions fail the job with what is wrong, and store no prediction.
#[tokio::test(flavor = "multi_thread")]
async fn garbage_predictions_fail_the_job() {
    let component = std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap();
    let settings = AppSettings { component: Some(component), ..AppSettings::default() };
    let app = spawn_app_with(settings).await;
    for (act, error) in [
        ("wrong-rows", "model returned invalid output: invalid predictions: 3 prediction rows for 2 future rows"),
        ("non-finite", "model returned invalid output: invalid predictions: `sample_0` has null or non-finite values"),
    ] {
        let config_id = app.config(json!({ "act": act })).await;
        let frame = json!({"columns": ["a"], "data": [[1.0], [2.0]]});
        let (train, trained) = app.train_and_wait(&config_id, &frame).await;
        assert_eq!(trained["status"], "completed");
        let (predict, job) = app.predict_and_wait(&train["artifact_id"], &frame, &frame).await;
        assert_eq!((job["status"].as_str(), job["error"].as_str()), (Some("failed"), Some(error)), "{act}");
        let artifact = app.get_json(&format!("/api/v1/artifacts/{}", predict["artifact_id"].as_str().unwrap())).await;
        assert_eq!(artifact["data"]["status"], "failed");
        assert!(artifact["data"].get("predictions").is_none_or(Value::is_null), "{artifact}");
    }
}

/// Limits set on the service are reported by the API and name themselves when hit.
#[tokio::test(flavor = "multi_thread")]
async fn service_limits_are_reported_and_enforced() {
    let component = std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap();
    let limits = chapwasm_runtime::SandboxLimits { memory_bytes: 64 << 20, ..Default::default() };
    let app = spawn_app_with(AppSettings { component: Some(component), limits, ..AppSettings::default() }).await;
    let system = app.get_json("/api/v1/system").await;
    assert_eq!(system["limits"]["memory_bytes"], 64 << 20);
    assert_eq!(system["limits"]["time_limit_seconds"], 600.0);
    let config_id = app.config(json!({"act": "memory-bomb"})).await;
    let (_, job) = app.train_and_wait(&config_id, &json!({"columns": ["a"], "data": [[1.0]]})).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"], "memory limit of 64 MiB exceeded");
    assert_eq!(app.get_json("/health").await["status"], "healthy", "the host keeps serving");
}

/// A component that forges a frame with a duplicate column fails its prediction job.
#[tokio::test(flavor = "multi_thread")]
async fn duplicate_columns_fail_the_job() {
    let app = spawn_app_with(AppSettings::default()).await;
    let forger = app.upload_plugin("forger", "").await;
    let config_id = app.config_of(&forger, json!({})).await;
    let frame = json!({"columns": ["a"], "data": [[1.0], [2.0]]});
    let (train, trained) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(trained["status"], "completed");
    let (_, job) = app.predict_and_wait(&train["artifact_id"], &frame, &frame).await;
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"], "model returned invalid output: duplicate column `sample_0`");
}

/// While hostile jobs hold the sandbox (an endless loop, a memory bomb), good jobs
/// submitted at the same time complete normally; the hostile ones end with their error.
#[tokio::test(flavor = "multi_thread")]
async fn good_jobs_complete_while_hostile_ones_run() {
    let app = spawn_app_with(AppSettings { max_concurrency: 3, ..AppSettings::default() }).await;
    let endless = app.upload_plugin("endless-loop", "").await;
    let mischief = app.upload_plugin("mischief", "memory_bytes=67108864").await;
    let data = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.5]]});
    let submit = |config_id: String| {
        let body = json!({"config_id": config_id, "data": data.clone()});
        let app = &app;
        async move {
            let response = app.post("/api/v1/ml/$train", &body).await;
            assert_eq!(response.status(), 202);
            response.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned()
        }
    };
    let looping = submit(app.config_of(&endless, json!({})).await).await;
    let bomb = submit(app.config_of(&mischief, json!({"act": "memory-bomb"})).await).await;
    let good_config = app.config(json!({})).await;
    let mut good = Vec::new();
    for _ in 0..5 {
        good.push(submit(good_config.clone()).await);
    }
    for job_id in &good {
        let job = app.wait_for_job(job_id).await;
        assert_eq!(job["status"], "completed", "{job}");
    }
    assert_eq!(app.wait_for_job(&bomb).await["error"], "memory limit of 64 MiB exceeded");
    let still = app.get_json(&format!("/api/v1/jobs/{looping}")).await;
    assert_eq!(still["status"], "running", "the endless loop is still held by its own limit");
    let deleted = app.client.delete(format!("{}/api/v1/jobs/{looping}", app.base)).send().await.unwrap();
    assert!(deleted.status().is_success());
}
