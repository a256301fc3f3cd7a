//! `spawn_app()`: a real server on a random port with a fresh in-memory database, and a
//! small HTTP client for it.

use chapwasm::app::{App, AppSettings};
use reqwest::{Client, Response};
use serde_json::Value;
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub client: Client,
}

/// Starts the service with the bundled linear regression.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppSettings { max_concurrency: 2, ..AppSettings::default() }).await
}

pub async fn spawn_app_with(settings: AppSettings) -> TestApp {
    let app = App::build(settings).await.expect("app builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener));
    TestApp { base, client: Client::new() }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client.post(format!("{}{path}", self.base)).json(body).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// Creates a config and returns its id.
    pub async fn config(&self, data: Value) -> String {
        let response = self.post("/api/v1/configs", &serde_json::json!({"name": "test_config", "data": data})).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// Uploads a component; `query` carries limit overrides (`"memory_bytes=1024"`) or is empty.
    pub async fn upload(&self, wasm: Vec<u8>, query: &str) -> Response {
        let url = format!("{}/api/v1/components?{query}", self.base);
        self.client.post(url).header("content-type", "application/wasm").body(wasm).send().await.unwrap()
    }

    /// Uploads a bundled plugin (which must be accepted) and returns its record.
    pub async fn upload_plugin(&self, name: &str, query: &str) -> Value {
        let response = self.upload(std::fs::read(chapwasm::bundled::plugin_path(name)).unwrap(), query).await;
        assert!(response.status().is_success(), "upload {name}: {}", response.status());
        response.json().await.unwrap()
    }

    /// Creates a config of an uploaded component and returns its id.
    pub async fn config_of(&self, component: &Value, data: Value) -> String {
        let body = serde_json::json!({"name": "test_config", "component_id": component["id"], "data": data});
        let response = self.post("/api/v1/configs", &body).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// Submits a spec-style `$train`, waits for the job; returns (submit response, final job).
    pub async fn train_and_wait(&self, config_id: &str, data: &Value) -> (Value, Value) {
        let body = serde_json::json!({"config_id": config_id, "data": data});
        self.submit_and_wait("/api/v1/ml/$train", &body).await
    }

    /// Submits a spec-style `$predict`, waits for the job; returns (submit response, final job).
    pub async fn predict_and_wait(&self, model_id: &Value, historic: &Value, future: &Value) -> (Value, Value) {
        let body = serde_json::json!({"model_artifact_id": model_id, "historic": historic, "future": future});
        self.submit_and_wait("/api/v1/ml/$predict", &body).await
    }

    async fn submit_and_wait(&self, path: &str, body: &Value) -> (Value, Value) {
        let response = self.post(path, body).await;
        assert_eq!(response.status(), 202, "{path}");
        let submitted: Value = response.json().await.unwrap();
        let job = self.wait_for_job(submitted["job_id"].as_str().unwrap()).await;
        (submitted, job)
    }

    /// Polls a job until it is terminal, like the spec's `wait_for_job`.
    pub async fn wait_for_job(&self, job_id: &str) -> Value {
        for _ in 0..500 {
            let job = self.get_json(&format!("/api/v1/jobs/{job_id}")).await;
            if ["completed", "failed", "canceled"].contains(&job["status"].as_str().unwrap()) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {job_id} did not finish in 10 s");
    }
}
