//! Models written in Python with the Python SDK (`sdk/python`), built by its build command
//! into components and served over HTTP like any upload: the quick start's mean model, a
//! pure-Python least squares that matches the Rust linear regression, a Python bug that
//! becomes a failed job with its traceback, and a compiled-once Python component.

use crate::support::app::{TestApp, spawn_app, spawn_app_with};
use crate::support::guest_builds::python_component;
use serde_json::{Value, json};

/// The SDK's own unit tests, in plain CPython (no componentize-py needed).
#[test]
fn the_python_sdk_passes_its_unit_tests() {
    let sdk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/python");
    let done = std::process::Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests"])
        .current_dir(&sdk)
        .env("PYTHONPATH", &sdk)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run python3");
    let said = format!("{}{}", String::from_utf8_lossy(&done.stdout), String::from_utf8_lossy(&done.stderr));
    assert!(done.status.success() && said.contains("OK") && !said.contains("Ran 0 tests"), "{said}");
}

async fn upload_python(app: &TestApp, name: &str) -> Value {
    app.upload_accepted(python_component(name), "").await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs componentize-py 0.25.1 (.ci/run installs it in a venv)"]
async fn the_python_quick_start_model_trains_and_predicts_like_the_rust_one() {
    let app = spawn_app().await;
    let component = upload_python(&app, "mean").await;
    assert_eq!(component["model"]["name"], "mean-model-py");
    let schema = &component["model"]["config_schema"]["properties"]["scale"];
    assert_eq!((&schema["type"], &schema["default"]), (&json!("number"), &json!(1.0)), "{component}");
    let config = app.config_of(&component, json!({"scale": 2.0})).await;
    let data = json!({"columns": ["location", "disease_cases"], "data": [["a", 2], ["b", null], ["c", 4]]});
    let (trained, job) = app.train_and_wait(&config, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let model_id = trained["artifact_id"].as_str().unwrap();
    let metadata = app.get_json(&format!("/api/v1/artifacts/{model_id}/$metadata")).await;
    assert!(metadata["log"].to_string().contains("training on 2 of 3 rows"), "{metadata}");
    let future = json!({"columns": ["location"], "data": [["a"], ["b"]]});
    let historic = json!({"columns": ["location"], "data": []});
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &historic, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    // The Rust quick start (tests/integration/quickstart.rs) predicts 6.0 for this data.
    assert_eq!(app.prediction_column(&job, "sample_0").await, vec![json!(6.0), json!(6.0)]);

    // A model error names what is wrong, as the Rust SDK's do.
    let (_, failed) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[null]]})).await;
    assert_eq!(failed["error"], "model error (invalid-data): no observed disease_cases", "{failed}");
    let wrong = json!({"columns": ["location", "cases"], "data": [["a", 1]]});
    let (_, failed) = app.train_and_wait(&config, &wrong).await;
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("missing column `disease_cases` (columns: `location`, `cases`)"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs componentize-py 0.25.1 (.ci/run installs it in a venv)"]
async fn python_least_squares_predicts_what_the_rust_linear_regression_does() {
    let app = spawn_app().await;
    let component = upload_python(&app, "least_squares").await;
    let rows: Vec<Value> = (0..24)
        .map(|i| {
            let (rain, temp) = (f64::from(i % 7) * 3.5, 20.0 + f64::from(i % 5));
            let cases = if i == 5 { Value::Null } else { json!(4.0 + 1.5 * rain - 0.5 * temp + f64::from(i % 3)) };
            json!([format!("2024-{:02}", i % 12 + 1), "loc", rain, temp, cases])
        })
        .collect();
    let columns = json!(["time_period", "location", "rainfall", "mean_temperature", "disease_cases"]);
    let data = json!({"columns": columns, "data": rows});
    let future = json!({"columns": ["time_period", "location", "rainfall", "mean_temperature"],
        "data": [["2025-01", "loc", 7.0, 21.0], ["2025-02", "loc", null, 23.0]]});
    let historic = json!({"columns": ["time_period", "location"], "data": []});

    let python = app.config_of(&component, json!({})).await;
    let (trained, job) = app.train_and_wait(&python, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &historic, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    let from_python = app.prediction_column(&job, "sample_0").await;

    let rust = app.config(json!({})).await; // the default model: the Rust linear regression
    let (trained, _) = app.train_and_wait(&rust, &data).await;
    let (_, job) = app.predict_and_wait(&trained["artifact_id"], &historic, &future).await;
    let from_rust = app.prediction_column(&job, "sample_0").await;
    for (python, rust) in from_python.iter().zip(&from_rust) {
        let (python, rust) = (python.as_f64().unwrap(), rust.as_f64().unwrap());
        assert!((python - rust).abs() < 1e-6 * rust.abs().max(1.0), "python {python}, rust {rust}");
    }
    assert_eq!(from_python.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs componentize-py 0.25.1 (.ci/run installs it in a venv)"]
async fn a_python_exception_fails_the_job_with_its_traceback() {
    let app = spawn_app().await;
    let component = upload_python(&app, "careless").await;
    let config = app.config_of(&component, json!({})).await;
    let (_, job) = app.train_and_wait(&config, &json!({"columns": ["disease_cases"], "data": [[1]]})).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.starts_with("model error (failed): ZeroDivisionError: division by zero"), "{error}");
    assert!(error.contains("Traceback (most recent call last)") && error.contains("in average"), "{error}");
    assert!(!error.contains("trapped") && !error.contains("unreachable"), "{error}");
}

/// An 18 MB Python component compiles once (seconds); a restarted server loads its machine
/// code from the disk cache.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs componentize-py 0.25.1 (.ci/run installs it in a venv)"]
async fn a_python_component_compiles_once_then_loads_from_the_disk_cache() {
    let dir = std::env::temp_dir().join(format!("chapwasm-python-{}", chapwasm_service::clock::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let settings = || chapwasm_server::settings::AppSettings {
        database_url: dir.join("ml.db").display().to_string(),
        cache_dir: Some(dir.join("cache")),
        ..Default::default()
    };
    let first = spawn_app_with(settings()).await;
    let component = upload_python(&first, "mean").await;
    let config = first.config_of(&component, json!({})).await;
    let stats = first.get_json("/api/v1/system").await["components"].clone();
    assert_eq!((&stats["compiled"], &stats["loaded_precompiled"]), (&json!(2), &json!(0)), "{stats}");

    let second = spawn_app_with(settings()).await;
    let data = json!({"columns": ["disease_cases"], "data": [[3]]});
    let (_, job) = second.train_and_wait(&config, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let stats = second.get_json("/api/v1/system").await["components"].clone();
    assert_eq!((&stats["compiled"], &stats["loaded_precompiled"]), (&json!(0), &json!(2)), "{stats}");
    std::fs::remove_dir_all(dir).ok();
}
