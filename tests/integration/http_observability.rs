//! What a service says about itself: `/metrics` after a real workflow (chapkit's job
//! counters and ours), `/metrics` locked to admins on request, and an `/api/v1/info` that
//! chap-core accepts as a modeling app (a hex `git_revision` tied to the model).

use crate::support::app::{plugin_bytes, spawn_app_with};
use chapwasm_server::monitoring::MetricsAccess;
use chapwasm_server::security::SecuritySettings;
use chapwasm_server::security::keys::{ApiKeys, Scope};
use chapwasm_server::security::policy::AuthMode;
use chapwasm_server::settings::AppSettings;
use chapwasm_service::SandboxLimits;
use serde_json::json;
use std::time::Duration;

/// The value of the sample `series` (its full name with labels) in a scrape.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_a_workflow_its_failures_and_requests() {
    let limits = SandboxLimits { time_limit: Duration::from_secs(1), ..SandboxLimits::default() };
    let app = spawn_app_with(AppSettings { limits, ..AppSettings::default() }).await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4], [3, 6]]});
    let (trained, _) = app.train_and_wait(&config_id, &frame).await;
    let future = json!({"columns": ["a"], "data": [[4]]});
    app.predict_and_wait(&trained["artifact_id"], &future, &future).await;
    let mischief = app.upload_plugin("mischief", "").await;
    let sleeper = app.config_of(&mischief, json!({"act": "sleep"})).await;
    let (_, failed) = app.train_and_wait(&sleeper, &frame).await;
    assert_eq!(failed["error"], "time limit of 1 s exceeded");

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let scrape = response.text().await.unwrap();
    assert_eq!(sample(&scrape, "ml_train_jobs_total"), Some(2.0), "{scrape}");
    assert_eq!(sample(&scrape, "ml_predict_jobs_total"), Some(1.0), "{scrape}");
    let ended = |kind: &str, status: &str| {
        sample(&scrape, &format!("chapwasm_jobs_ended_total{{kind=\"{kind}\",status=\"{status}\"}}"))
    };
    assert_eq!((ended("train", "completed"), ended("predict", "completed")), (Some(1.0), Some(1.0)), "{scrape}");
    assert_eq!(ended("train", "failed"), Some(1.0), "{scrape}");
    assert_eq!(sample(&scrape, "chapwasm_sandbox_limit_hits_total{limit=\"time\"}"), Some(1.0), "{scrape}");
    let durations = "chapwasm_job_duration_seconds_count{kind=\"train\",status=\"completed\"}";
    assert_eq!(sample(&scrape, durations), Some(1.0), "{scrape}");
    let accepted = "chapwasm_http_requests_total{method=\"POST\",route=\"/api/v1/ml/$train\",status=\"202\"}";
    assert_eq!(sample(&scrape, accepted), Some(2.0), "{scrape}");
    assert_eq!(sample(&scrape, "chapwasm_queue_depth"), Some(0.0), "{scrape}");
    assert_eq!(sample(&scrape, "chapwasm_running_jobs"), Some(0.0), "{scrape}");
    assert!(sample(&scrape, "chapwasm_components_compiled_total").unwrap() >= 1.0, "{scrape}");
    assert!(scrape.contains("chapwasm_replica_info{replica=\""), "{scrape}");
    // Unknown paths and framework refusals count too, as problem+json.
    let unknown = app.get("/no/such/route").await;
    assert_eq!(unknown.status(), 404);
    let not_allowed = app.client.patch(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(not_allowed.status(), 405);
    assert_eq!(not_allowed.headers()["content-type"], "application/problem+json");
    let scrape = app.get("/metrics").await.text().await.unwrap();
    let unmatched = "chapwasm_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}";
    assert_eq!(sample(&scrape, unmatched), Some(1.0), "{scrape}");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_can_be_locked_to_admin_keys() {
    let keys = ApiKeys::default().with("metrics-admin-key-0123", Scope::Admin).unwrap();
    let security = SecuritySettings { keys, mode: Some(AuthMode::ChapCore), ..SecuritySettings::default() };
    let settings = AppSettings { security, metrics: Some(MetricsAccess::Admin), ..AppSettings::default() };
    let app = spawn_app_with(settings).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let url = format!("{}/metrics", app.base);
    let scraped = app.client.get(url).header("X-API-Key", "metrics-admin-key-0123").send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let off = spawn_app_with(AppSettings { metrics: None, ..AppSettings::default() }).await;
    assert_eq!(off.get("/metrics").await.status(), 404);
}

/// chap-core 2.5.1 stores a modeling app only with a 7–40 hex digit `git_revision`; ours
/// follows the model component (the first 40 hex digits of its SHA-256).
#[tokio::test(flavor = "multi_thread")]
async fn info_carries_a_git_revision_that_follows_the_model() {
    let default = spawn_app_with(AppSettings::default()).await;
    let revision = default.get_json("/api/v1/info").await["git_revision"].as_str().unwrap().to_owned();
    assert_eq!(revision.len(), 40);
    assert!(revision.chars().all(|c| c.is_ascii_hexdigit()), "{revision}");
    let components = default.get_json("/api/v1/components").await;
    let served = components.as_array().unwrap().iter().find(|c| c["name"] == "linear-regression").unwrap().clone();
    assert!(served["sha256"].as_str().unwrap().starts_with(&revision));
    let other = spawn_app_with(AppSettings { component: Some(plugin_bytes("mischief")), ..AppSettings::default() });
    let other = other.await.get_json("/api/v1/info").await["git_revision"].clone();
    assert_ne!(other, revision.as_str(), "another model, another revision");
}

/// chapkit 2.4.1's read endpoints that took `$schema`/`$stats` for an id before, and the
/// health stream.
#[tokio::test(flavor = "multi_thread")]
async fn chapkit_schema_stats_and_health_stream_endpoints_answer() {
    let app = spawn_app_with(AppSettings::default()).await;
    app.post("/api/v1/artifacts", &json!({"data": {"note": 1}})).await;
    assert_eq!(app.get_json("/api/v1/artifacts/$stats").await, json!({"total": 1}));
    let artifact = app.get_json("/api/v1/artifacts/$schema").await;
    assert_eq!(artifact["type"], "object");
    assert!(artifact["properties"]["parent_id"].is_object(), "{artifact}");
    let jobs = app.get_json("/api/v1/jobs/$schema").await;
    assert_eq!((jobs["type"].clone(), jobs["items"]["title"].clone()), (json!("array"), json!("JobRecord")));
    let compiled = jsonschema::validator_for(&jobs).unwrap();
    assert!(compiled.is_valid(&app.get_json("/api/v1/jobs").await));

    assert_eq!(app.get("/health/$stream?poll_interval=0").await.status(), 422);
    assert_eq!(app.get("/health/$stream?poll_interval=0.001").await.status(), 422, "a stream cannot spin");
    let url = format!("{}/health/%24stream?poll_interval=0.1", app.base);
    let mut stream = app.client.get(url).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut text = String::new();
    while text.matches("data:").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk()).await.unwrap().unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains(r#""status":"healthy""#), "{text}");
}

/// Every answer names its request (`X-Request-Id`), every problem+json carries it as
/// `trace_id`, and with `--log-format json` the request's log lines carry it too.
#[tokio::test(flavor = "multi_thread")]
async fn trace_ids_lead_from_an_error_to_its_log_lines() {
    use crate::support::server::ServerProcess;
    let server = ServerProcess::start_logging(&["--log-format", "json"], "warn,chapwasm_server=debug");
    let app = server.client();
    let missing = app.get("/api/v1/jobs/01K0000000000000000000000A").await;
    assert_eq!(missing.status(), 404);
    let request_id = missing.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(problem["trace_id"], request_id.as_str());
    assert!(chapwasm_service::clock::is_ulid(&request_id), "{request_id}");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let logs = server.logs.lock().unwrap().clone();
        let ours = logs
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|line| line["span"]["trace_id"] == request_id.as_str() && line["fields"]["message"] == "answered");
        if let Some(line) = ours {
            assert_eq!(line["fields"]["status"], 404, "{line}");
            let plain: Vec<&String> =
                logs.iter().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err()).collect();
            assert!(plain.is_empty(), "every line is a JSON object: {plain:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a JSON log line of the request: {logs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `$generate-sample-data` gives bodies that `$train` and `$predict` accept as they are
/// (the predict body's `artifact_id` filled in), the same for the same seed.
#[tokio::test(flavor = "multi_thread")]
async fn generated_sample_data_trains_and_predicts() {
    let app = spawn_app_with(AppSettings::default()).await;
    let config_id = app.config(json!({})).await;
    let query = format!(
        "/api/v1/ml/$generate-sample-data?config_id={config_id}&num_locations=3&num_periods=24&seed=7&include_geo=true"
    );
    let train = app.get_json(&query).await;
    assert_eq!(train, app.get_json(&query).await, "the same seed, the same body");
    assert_eq!(train["data"]["data"].as_array().unwrap().len(), 3 * 24);
    assert_eq!(train["geo"]["features"].as_array().unwrap().len(), 3);
    let trained = app.post("/api/v1/ml/$train", &train).await;
    assert_eq!(trained.status(), 202);
    let trained: serde_json::Value = trained.json().await.unwrap();
    let job = app.wait_for_job(trained["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");

    let mut predict =
        app.get_json("/api/v1/ml/$generate-sample-data?kind=predict&num_locations=3&seed=7&period_type=weekly").await;
    assert!(predict["future"]["data"][0][0].as_str().unwrap().contains("-W"), "{}", predict["future"]);
    predict["artifact_id"] = trained["artifact_id"].clone();
    let predicted = app.post("/api/v1/ml/$predict", &predict).await;
    assert_eq!(predicted.status(), 202);
    let predicted: serde_json::Value = predicted.json().await.unwrap();
    let job = app.wait_for_job(predicted["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");

    assert_eq!(app.get("/api/v1/ml/$generate-sample-data?num_locations=0").await.status(), 422);
    let unknown = "/api/v1/ml/$generate-sample-data?config_id=01K0000000000000000000000A";
    assert_eq!(app.get(unknown).await.status(), 404);
    let malformed = app.get("/api/v1/ml/$generate-sample-data?config_id=nope").await;
    assert_eq!(malformed.status(), 422);
    let problem: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(problem["errors"][0]["loc"], json!(["query", "config_id"]), "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_data_beyond_a_million_cells_is_refused() {
    let app = spawn_app_with(AppSettings::default()).await;
    let huge = "/api/v1/ml/$generate-sample-data?num_locations=1000&num_periods=1000&num_features=50";
    let refused = app.get(huge).await;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("at most 1000000"), "{problem}");
}
