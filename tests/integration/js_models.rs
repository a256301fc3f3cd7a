//! Models written in JavaScript with the JS SDK (`sdk/js/chapwasm.js`), built by its build
//! script with componentize-js into components and served over HTTP like any upload: the
//! quick start's mean model, and a JavaScript bug that becomes a failed job with its stack.

use crate::support::app::{TestApp, spawn_app};
use crate::support::guest_builds::js_component;
use serde_json::{Value, json};

async fn upload_js(app: &TestApp, name: &str) -> Value {
    app.upload_accepted(js_component(name), "").await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js and sdk/js's npm packages (componentize-js 0.23.0; .ci/run installs them)"]
async fn the_javascript_quick_start_model_trains_and_predicts_like_the_rust_one() {
    let app = spawn_app().await;
    let component = upload_js(&app, "mean").await;
    assert_eq!(component["model"]["name"], "mean-model-js");
    let config = app.config_of(&component, json!({"scale": 2.0})).await;
    let data = json!({"columns": ["location", "disease_cases"], "data": [["a", 2], ["b", null], ["c", 4]]});
    let (trained, job) = app.train_and_wait(&config, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let future = json!({"columns": ["location"], "data": [["a"], ["b"]]});
    let historic = json!({"columns": ["location"], "data": []});
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &historic, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    let artifact = app.get_json(&format!("/api/v1/artifacts/{}", job["artifact_id"].as_str().unwrap())).await;
    let predictions = &artifact["data"]["predictions"];
    assert_eq!(predictions["columns"], json!(["location", "sample_0"]), "{artifact}");
    // The Rust quick start (tests/integration/quickstart.rs) predicts 6.0 for this data.
    assert_eq!(predictions["data"], json!([["a", 6.0], ["b", 6.0]]), "{artifact}");

    let (_, failed) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[null]]})).await;
    assert_eq!(failed["error"], "model error (invalid-data): no observed disease_cases", "{failed}");
    let wrong = json!({"columns": ["location", "cases"], "data": [["a", 1]]});
    let (_, failed) = app.train_and_wait(&config, &wrong).await;
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("missing column `disease_cases` (columns: `location`, `cases`)"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Node.js and sdk/js's npm packages (componentize-js 0.23.0; .ci/run installs them)"]
async fn a_javascript_exception_fails_the_job_with_its_stack() {
    let app = spawn_app().await;
    let component = upload_js(&app, "careless").await;
    let config = app.config_of(&component, json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.starts_with("model error (failed): TypeError:"), "{error}");
    assert!(error.contains("firstLocation"), "the stack names the function: {error}");
    assert!(!error.contains("trapped"), "{error}");
}
