//! Retention over real HTTP, on whichever backend the suite runs: finished jobs (their
//! idempotency keys with them) and predictions are swept after their time; models stay.

use crate::support::app::spawn_app_with;
use chapwasm_server::settings::AppSettings;
use chapwasm_service::Retention;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn finished_jobs_and_predictions_expire_and_models_stay() {
    let mut settings = AppSettings::default();
    let second = Some(Duration::from_secs(1));
    settings.queue.retention = Retention { finished_jobs: second, predictions: second };
    let app = spawn_app_with(settings).await;
    let config_id = app.config(json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1, 2], [2, 4], [3, 6]]});
    let train_body = json!({"config_id": config_id, "data": frame});
    let url = format!("{}/api/v1/ml/$train", app.base);
    let keyed = app.client.post(&url).header("Idempotency-Key", "once").json(&train_body).send().await.unwrap();
    let trained: serde_json::Value = keyed.json().await.unwrap();
    let train_job = trained["job_id"].as_str().unwrap().to_owned();
    app.wait_for_job(&train_job).await;
    let model = trained["artifact_id"].clone();
    let future = json!({"columns": ["a"], "data": [[4]]});
    let (predicted, _) = app.predict_and_wait(&model, &future, &future).await;
    let prediction = predicted["artifact_id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(20);
    let gone = |path: String| {
        let app = &app;
        async move { app.get(&path).await.status() == 404 }
    };
    while !(gone(format!("/api/v1/jobs/{train_job}")).await && gone(format!("/api/v1/artifacts/{prediction}")).await) {
        assert!(Instant::now() < deadline, "finished jobs and predictions are swept within their time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let model = app.get(&format!("/api/v1/artifacts/{}", model.as_str().unwrap())).await;
    assert_eq!(model.status(), 200, "models are kept");
    // The key went with its job: the same request is a new job now.
    let again = app.client.post(&url).header("Idempotency-Key", "once").json(&train_body).send().await.unwrap();
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "false");
}
