//! The component registry over HTTP: uploads validated and deduplicated by SHA-256,
//! rejections that say what is wrong (and store nothing), download and delete.

use crate::support::app::{TestApp, spawn_app};
use chapwasm_server::bundled::plugin_path;
use serde_json::{Value, json};

async fn upload(app: &TestApp, wasm: Vec<u8>) -> reqwest::Response {
    app.upload(wasm, "").await
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_dedupe_download_delete() {
    let app = spawn_app().await;
    let wasm = std::fs::read(plugin_path("seasonal-forecast")).unwrap();
    let created = upload(&app, wasm.clone()).await;
    assert_eq!(created.status(), 201);
    let component: Value = created.json().await.unwrap();
    assert_eq!(component["name"], "seasonal-forecast");
    assert_eq!(component["size_bytes"], wasm.len());
    assert_eq!(component["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(component["model"]["config_schema"]["type"], "object");
    assert_eq!(component["limits"]["memory_bytes"], 512 << 20);

    let again = upload(&app, wasm.clone()).await;
    assert_eq!(again.status(), 200, "the same bytes are the same component");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], component["id"]);
    assert_eq!(app.uploaded_components().await.len(), 1);

    let id = component["id"].as_str().unwrap();
    let download = app.get(&format!("/api/v1/components/{id}/$download")).await;
    assert_eq!(download.headers()["content-type"], "application/wasm");
    assert_eq!(download.bytes().await.unwrap().as_ref(), wasm.as_slice());

    let deleted = app.client.delete(format!("{}/api/v1/components/{id}", app.base)).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&format!("/api/v1/components/{id}")).await.status(), 404);
}

/// `curl -F file=@model.wasm` works too, and names the same component as the raw bytes.
#[tokio::test(flavor = "multi_thread")]
async fn multipart_uploads_are_accepted() {
    let app = spawn_app().await;
    let wasm = std::fs::read(plugin_path("seasonal-forecast")).unwrap();
    let part = reqwest::multipart::Part::bytes(wasm.clone()).file_name("seasonal_forecast.wasm");
    let form = reqwest::multipart::Form::new().text("note", "ignored").part("file", part);
    let response = app.client.post(format!("{}/api/v1/components", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let component: Value = response.json().await.unwrap();
    assert_eq!(component["size_bytes"], wasm.len());
    let raw = upload(&app, wasm).await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.json::<Value>().await.unwrap()["id"], component["id"]);

    let empty = reqwest::multipart::Form::new().text("note", "no file");
    let response = app.client.post(format!("{}/api/v1/components", app.base)).multipart(empty).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("no file part"), "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_that_are_not_model_components_are_rejected() {
    let app = spawn_app().await;
    let stowaway = std::fs::read(plugin_path("stowaway")).unwrap();
    let impostor = std::fs::read(plugin_path("impostor")).unwrap();
    let mute = std::fs::read(plugin_path("mute")).unwrap();
    let unschemed = std::fs::read(plugin_path("unschemed")).unwrap();
    for (bytes, needle) in [
        (mute, "describe() failed: model panicked: panicked at"),
        (unschemed, "describe() returned an invalid config schema"),
        (impostor, "does not implement chap:model/model-runner"),
        (b"hello".to_vec(), "not WebAssembly"),
        (b"\0asm\x01\0\0\0".to_vec(), "core WebAssembly module, not a component"),
        (stowaway, "imports what the sandbox does not provide: evil:thing/exfil"),
    ] {
        let response = upload(&app, bytes).await;
        assert_eq!(response.status(), 422);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(needle), "{problem}");
    }
    let oversized = upload(&app, vec![0u8; (64 << 20) + 1]).await;
    assert_eq!(oversized.status(), 413);
    assert_eq!(app.uploaded_components().await, Vec::<Value>::new());
}

/// Many models in one service: a config names an uploaded component; its jobs run it.
#[tokio::test(flavor = "multi_thread")]
async fn configs_run_the_component_they_name() {
    let app = spawn_app().await;
    let wasm = std::fs::read(plugin_path("seasonal-forecast")).unwrap();
    let component: Value = upload(&app, wasm).await.json().await.unwrap();
    let (id, sha) = (component["id"].as_str().unwrap(), component["sha256"].as_str().unwrap());
    let schema = app.get_json(&format!("/api/v1/components/{id}/$schema")).await;
    assert!(schema["properties"]["n_samples"].is_object());

    let body = |data: Value, component: &str| json!({"name": "seasonal", "component_id": component, "data": data});
    let rejected = app.post("/api/v1/configs", &body(json!({"n_samples": 0}), sha)).await;
    assert_eq!(rejected.status(), 422, "validated against the named component's schema");
    let unknown = app.post("/api/v1/configs", &body(json!({}), "01ARZ3NDEKTSV4RRFFQ69G5FAV")).await;
    assert_eq!(unknown.status(), 404);
    let created: Value = app.post("/api/v1/configs", &body(json!({"n_samples": 2}), sha)).await.json().await.unwrap();
    assert_eq!(created["component_id"], id);
    let config_id = created["id"].as_str().unwrap();

    let rows: Vec<Value> = (1..=12).map(|m| json!([format!("2022-{m:02}"), "loc_1", m])).collect();
    let data = json!({"columns": ["time_period", "location", "disease_cases"], "data": rows});
    let (train, job) = app.train_and_wait(config_id, &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let metadata =
        app.get_json(&format!("/api/v1/artifacts/{}/$metadata", train["artifact_id"].as_str().unwrap())).await;
    assert_eq!(metadata["component_sha256"], sha);
    assert_eq!(metadata["model_type"], "seasonal-forecast@0.1.0");

    let future = json!({"columns": ["time_period", "location"], "data": [["2023-01", "loc_1"]]});
    let (predict, job) = app.predict_and_wait(&train["artifact_id"], &data, &future).await;
    assert_eq!(job["status"], "completed", "{job}");
    let prediction = app.get_json(&format!("/api/v1/artifacts/{}", predict["artifact_id"].as_str().unwrap())).await;
    assert_eq!(
        prediction["data"]["predictions"]["columns"],
        json!(["time_period", "location", "sample_0", "sample_1"])
    );

    let refused = app.client.delete(format!("{}/api/v1/components/{id}", app.base)).send().await.unwrap();
    assert_eq!(refused.status(), 409, "in use by a config");
}

/// Components survive a restart (they live in the database) and are not compiled again
/// (their machine code is cached on disk): the second server only loads precompiled code.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_serves_uploaded_components_without_recompiling() {
    let dir = std::env::temp_dir().join(format!("chapwasm-components-{}", chapwasm_service::clock::new_id()));
    let settings = || chapwasm_server::settings::AppSettings {
        database_url: dir.join("ml.db").display().to_string(),
        cache_dir: Some(dir.join("cache")),
        ..Default::default()
    };
    std::fs::create_dir_all(&dir).unwrap();
    let first = crate::support::app::spawn_app_with(settings()).await;
    let component: Value =
        upload(&first, std::fs::read(plugin_path("seasonal-forecast")).unwrap()).await.json().await.unwrap();
    let config: Value = first
        .post("/api/v1/configs", &json!({"name": "s", "component_id": component["id"], "data": {"n_samples": 1}}))
        .await
        .json()
        .await
        .unwrap();
    let stats = first.get_json("/api/v1/system").await["components"].clone();
    assert_eq!((&stats["compiled"], &stats["loaded_precompiled"]), (&json!(2), &json!(0)));

    let second = crate::support::app::spawn_app_with(settings()).await;
    assert_eq!(second.uploaded_components().await[0]["id"], component["id"]);
    let rows: Vec<Value> = (1..=12).map(|m| json!([format!("2022-{m:02}"), "loc_1", m])).collect();
    let data = json!({"columns": ["time_period", "location", "disease_cases"], "data": rows});
    let (_, job) = second.train_and_wait(config["id"].as_str().unwrap(), &data).await;
    assert_eq!(job["status"], "completed", "{job}");
    let stats = second.get_json("/api/v1/system").await["components"].clone();
    assert_eq!((&stats["compiled"], &stats["loaded_precompiled"]), (&json!(0), &json!(2)));
    std::fs::remove_dir_all(dir).ok();
}

/// A component that trained models need cannot be deleted (409 naming them), and the
/// service's default model cannot be deleted at all.
#[tokio::test(flavor = "multi_thread")]
async fn components_that_models_need_are_not_deleted() {
    let app = crate::support::app::spawn_app().await;
    let component = app.upload_plugin("scaled-regression", "").await;
    let config_id = app.config_of(&component, json!({})).await;
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.1]]});
    let (train, job) = app.train_and_wait(&config_id, &frame).await;
    assert_eq!(job["status"], "completed");
    // Re-point the config to the default: only the model still needs the component.
    let url = format!("{}/api/v1/configs/{config_id}", app.base);
    app.client.put(url).json(&json!({"name": "default", "data": {}})).send().await.unwrap();
    let refused = app.delete(&format!("/api/v1/components/{}", component["id"].as_str().unwrap())).await;
    assert_eq!(refused.status(), 409);
    let problem: Value = refused.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(train["artifact_id"].as_str().unwrap()) && detail.contains("need it to predict"),
        "{detail}"
    );
    let components = app.get_json("/api/v1/components").await;
    let default = components.as_array().unwrap().iter().find(|c| c["name"] == "linear-regression").unwrap().clone();
    assert_eq!(app.delete(&format!("/api/v1/components/{}", default["id"].as_str().unwrap())).await.status(), 409);
}

/// Models keep their code: a model trained under one default component still predicts
/// after the server restarts with another default (the first was registered like an
/// upload).
#[tokio::test(flavor = "multi_thread")]
async fn a_model_trained_under_another_default_still_predicts() {
    let dir = std::env::temp_dir().join(format!("chapwasm-test-{}", chapwasm_service::clock::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = dir.join("ml.db").display().to_string();
    let frame = json!({"columns": ["a", "disease_cases"], "data": [[1.0, 2.0], [2.0, 4.0], [3.0, 6.1]]});
    let model_id = {
        let component = Some(std::fs::read(plugin_path("scaled-regression")).unwrap());
        let settings =
            chapwasm_server::settings::AppSettings { database_url: url.clone(), component, ..Default::default() };
        let app = crate::support::app::spawn_app_with(settings).await;
        let (train, job) = app.train_and_wait(&app.config(json!({})).await, &frame).await;
        assert_eq!(job["status"], "completed");
        train["artifact_id"].clone()
    };
    let settings = chapwasm_server::settings::AppSettings { database_url: url, ..Default::default() };
    let app = crate::support::app::spawn_app_with(settings).await;
    let (_, job) = app.predict_and_wait(&model_id, &frame, &frame).await;
    assert_eq!(job["status"], "completed", "{job}");
}

/// A component that accepted jobs are pinned to is not deleted while they may still run
/// it, even once no config names it.
#[tokio::test(flavor = "multi_thread")]
async fn components_that_accepted_jobs_will_run_are_not_deleted() {
    let settings = chapwasm_server::settings::AppSettings { max_concurrency: 1, ..Default::default() };
    let app = crate::support::app::spawn_app_with(settings).await;
    let mischief = app.upload_plugin("mischief", "").await;
    let config_id = app.config_of(&mischief, json!({"act": "busy", "millis": 1500})).await;
    let frame = json!({"columns": ["a"], "data": [[1.0]]});
    let running = app.submit_train(&config_id, &frame).await;
    let waiting = app.submit_train(&config_id, &frame).await;
    let url = format!("{}/api/v1/configs/{config_id}", app.base);
    app.client.put(url).json(&json!({"name": "default", "data": {}})).send().await.unwrap();
    let refused = app.delete(&format!("/api/v1/components/{}", mischief["id"].as_str().unwrap())).await;
    assert_eq!(refused.status(), 409);
    let detail = refused.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(&waiting) && detail.contains("will run it"), "{detail}");
    for job_id in [running, waiting] {
        let job = app.wait_for_job_within(&job_id, std::time::Duration::from_secs(20)).await;
        assert_eq!(job["status"], "completed", "{job}");
    }
}
