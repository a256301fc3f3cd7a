//! Limits over HTTP: the service's limits and a component's overrides are reported by the
//! API, overrides may only tighten, and every limit a job hits fails it with the limit's
//! name and value while the host keeps serving.

use crate::support::app::{TestApp, spawn_app_with};
use chapwasm_runtime::SandboxLimits;
use chapwasm_server::settings::AppSettings;
use serde_json::{Value, json};

const FUEL_CEILING: u64 = 1 << 40;

async fn metered_app() -> TestApp {
    let limits =
        SandboxLimits { fuel: Some(FUEL_CEILING), output_bytes: 4 << 10, log_lines: 100, ..Default::default() };
    spawn_app_with(AppSettings { limits, max_concurrency: 2, ..AppSettings::default() }).await
}

fn one_row() -> Value {
    json!({"columns": ["time_period", "location", "disease_cases"], "data": [["2022-01", "loc_1", 3]]})
}

/// Trains `config_id` and returns the failed job's error.
async fn train_error(app: &TestApp, config_id: &str) -> String {
    let (_, job) = app.train_and_wait(config_id, &one_row()).await;
    assert_eq!(job["status"], "failed", "{job}");
    job["error"].as_str().unwrap().to_owned()
}

async fn put_limits(app: &TestApp, component: &Value, limits: Value) -> reqwest::Response {
    let url = format!("{}/api/v1/components/{}/limits", app.base, component["id"].as_str().unwrap());
    app.client.put(url).json(&limits).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_limit_names_itself_when_hit() {
    let app = metered_app().await;
    let system = app.get_json("/api/v1/system").await;
    assert_eq!(system["limits"]["fuel"], FUEL_CEILING);
    assert_eq!(system["limits"]["output_bytes"], 4 << 10);

    let mischief = app.upload_plugin("mischief", "memory_bytes=33554432").await;
    assert_eq!(mischief["limits"]["memory_bytes"], 32 << 20, "the override is reported");
    assert_eq!(mischief["limit_overrides"], json!({"memory_bytes": 32 << 20}));
    for (act, error) in [
        ("memory-bomb", "memory limit of 32 MiB exceeded"),
        ("print-flood", "stdout limit of 4 KiB exceeded"),
        ("log-flood", "log limit of 100 lines exceeded"),
    ] {
        let config_id = app.config_of(&mischief, json!({ "act": act })).await;
        assert_eq!(train_error(&app, &config_id).await, error, "{act}");
    }

    let endless = app.upload_plugin("endless-loop", "time_limit_seconds=1").await;
    let config_id = app.config_of(&endless, json!({})).await;
    assert_eq!(train_error(&app, &config_id).await, "time limit of 1 s exceeded");
    let metered = put_limits(&app, &endless, json!({"fuel": 1_000_000})).await;
    assert_eq!(metered.status(), 200);
    assert_eq!(metered.json::<Value>().await.unwrap()["limits"]["time_limit_seconds"], 600.0, "PUT replaces");
    assert_eq!(train_error(&app, &config_id).await, "fuel limit of 1000000 units exceeded");

    let seasonal = app.upload_plugin("seasonal-forecast", "model_bytes=16").await;
    let config_id = app.config_of(&seasonal, json!({"n_samples": 1})).await;
    let error = train_error(&app, &config_id).await;
    assert!(error.starts_with("model size limit of 16 bytes exceeded (the model is "), "{error}");
    assert_eq!(put_limits(&app, &seasonal, json!({"output_frame_bytes": 16})).await.status(), 200);
    let (train, trained) = app.train_and_wait(&config_id, &one_row()).await;
    assert_eq!(trained["status"], "completed", "{trained}");
    let future = json!({"columns": ["time_period", "location"], "data": [["2022-02", "loc_1"], ["2022-03", "loc_1"]]});
    let (_, predicted) = app.predict_and_wait(&train["artifact_id"], &one_row(), &future).await;
    assert_eq!(predicted["status"], "failed");
    let error = predicted["error"].as_str().unwrap();
    assert!(error.starts_with("output frame limit of 16 bytes exceeded (the frame is "), "{error}");

    assert_eq!(app.get_json("/health").await["status"], "healthy", "the host keeps serving");
}

#[tokio::test(flavor = "multi_thread")]
async fn overrides_that_loosen_or_are_unknown_are_rejected() {
    let app = spawn_app_with(AppSettings::default()).await;
    let wasm = || std::fs::read(chapwasm_server::bundled::plugin_path("mischief")).unwrap();
    for (query, needle) in [
        ("memory_bytes=1099511627776", "exceeds the service's limit of 512 MiB: a component may only tighten limits"),
        ("fuel=1000", "fuel metering is off on this service"),
        ("log_lines=0", "`log_lines` must be positive"),
        ("memory=1", "unknown field `memory`"),
    ] {
        let response = app.upload(wasm(), query).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(needle), "{query}: {problem}");
    }
    assert_eq!(app.uploaded_components().await, Vec::<Value>::new(), "nothing stored");
    let component = app.upload_plugin("mischief", "").await;
    let refused = put_limits(&app, &component, json!({"time_limit_seconds": 3600})).await;
    assert_eq!(refused.status(), 422);
    let unchanged = app.get_json(&format!("/api/v1/components/{}", component["id"].as_str().unwrap())).await;
    assert_eq!(unchanged["limit_overrides"], json!({}));
}
