//! `spawn_app()`: a real server on a random port with a fresh database, and a small HTTP
//! client for it. The database is a SQLite file of its own (as served in production: a
//! writer connection and read-only ones, WAL), or, when `CHAPWASM_TEST_POSTGRES_URL` is
//! set (`.ci/run` sets it), a new PostgreSQL database of its own on that server: the same
//! suite runs against both backends. (`:memory:` is what a test asks for to get either.)

use chapwasm_runtime::{CompileLimits, Compiler};
use chapwasm_server::settings::AppSettings;
use reqwest::{Client, Response};
use serde_json::Value;
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// The in-process service (`None` for a server in another process).
    pub service: Option<std::sync::Arc<chapwasm_service::MlService>>,
    /// The app's SQLite file, deleted with it.
    pub _database: Option<TempDatabase>,
}

/// A directory holding one test app's SQLite database, removed when dropped.
pub struct TempDatabase(std::path::PathBuf);

impl TempDatabase {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("chapwasm-test-{}", chapwasm_service::clock::new_id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }

    fn url(&self) -> String {
        self.0.join("ml.db").display().to_string()
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the service with the bundled linear regression.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppSettings { max_concurrency: 2, ..AppSettings::default() }).await
}

/// Compiles in a child process of the real binary, as `chapwasm serve` does.
pub fn compile_worker(limits: CompileLimits) -> Compiler {
    Compiler::Subprocess { program: env!("CARGO_BIN_EXE_chapwasm").into(), args: Vec::new(), limits }
}

pub async fn spawn_app_with(mut settings: AppSettings) -> TestApp {
    if settings.compiler == Compiler::InProcess {
        settings.compiler = compile_worker(CompileLimits::default());
    }
    let mut database = None;
    if settings.database_url == ":memory:" {
        match fresh_postgres_database().await {
            Some(url) => settings.database_url = url,
            None => {
                let file = TempDatabase::new();
                settings.database_url = file.url();
                database = Some(file);
            }
        }
    }
    let app = settings.build().await.expect("app builds");
    let service = app.service.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener));
    TestApp { base, client: Client::new(), service: Some(service), _database: database }
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
        self.upload_accepted(std::fs::read(chapwasm_server::bundled::plugin_path(name)).unwrap(), query).await
    }

    /// Uploads a component that must be accepted, and returns its record.
    pub async fn upload_accepted(&self, wasm: Vec<u8>, query: &str) -> Value {
        let response = self.upload(wasm, query).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "upload: {status} {body}");
        body
    }

    /// The values of `column` in the predictions a completed `$predict` job wrote.
    pub async fn prediction_column(&self, job: &Value, column: &str) -> Vec<Value> {
        let artifact = self.get_json(&format!("/api/v1/artifacts/{}", job["artifact_id"].as_str().unwrap())).await;
        let predictions = &artifact["data"]["predictions"];
        let columns = predictions["columns"].as_array().expect("a prediction frame");
        let index = columns.iter().position(|c| c == column).unwrap_or_else(|| panic!("no {column}: {artifact}"));
        predictions["data"].as_array().unwrap().iter().map(|row| row[index].clone()).collect()
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

    /// Submits a `$train` (spec style) and returns the job id (asserting the 202).
    pub async fn submit_train(&self, config_id: &str, data: &Value) -> String {
        let response = self.post("/api/v1/ml/$train", &serde_json::json!({"config_id": config_id, "data": data})).await;
        assert_eq!(response.status(), 202);
        response.json::<Value>().await.unwrap()["job_id"].as_str().unwrap().to_owned()
    }

    /// The registered components other than the service's default model (registered at
    /// start like an upload).
    pub async fn uploaded_components(&self) -> Vec<Value> {
        let components = self.get_json("/api/v1/components").await;
        components.as_array().unwrap().iter().filter(|c| c["name"] != "linear-regression").cloned().collect()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// Polls a job until it is terminal, like the spec's `wait_for_job`.
    pub async fn wait_for_job(&self, job_id: &str) -> Value {
        self.wait_for_job_within(job_id, Duration::from_secs(10)).await
    }

    /// Polls a job until it is terminal; panics if it is not within `bound`.
    pub async fn wait_for_job_within(&self, job_id: &str, bound: Duration) -> Value {
        self.wait_for_status(job_id, &["completed", "failed", "canceled"], bound).await
    }

    /// Polls a job until its status is one of `statuses`; panics if it is not within `bound`.
    pub async fn wait_for_status(&self, job_id: &str, statuses: &[&str], bound: Duration) -> Value {
        let started = std::time::Instant::now();
        loop {
            let job = self.get_json(&format!("/api/v1/jobs/{job_id}")).await;
            if statuses.contains(&job["status"].as_str().unwrap()) {
                return job;
            }
            assert!(started.elapsed() < bound, "job {job_id} is still {} after {bound:?}", job["status"]);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A bundled plugin's bytes, by crate name.
pub fn plugin_bytes(name: &str) -> Vec<u8> {
    std::fs::read(chapwasm_server::bundled::plugin_path(name)).unwrap()
}

/// The PostgreSQL server the suite also runs against, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("CHAPWASM_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty())
}

/// A new, empty database on the configured PostgreSQL server (named `chapwasm_test_<ulid>`;
/// `.ci/run` drops old ones), or `None` when the suite runs on SQLite only.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::Connection;
    let server = postgres_url()?;
    let name = format!("chapwasm_test_{}", chapwasm_service::clock::new_id().to_lowercase());
    let mut admin = sqlx::PgConnection::connect(&server).await.expect("CHAPWASM_TEST_POSTGRES_URL is reachable");
    // The name is ours: a fixed prefix and a ULID.
    let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    sqlx::query(create).execute(&mut admin).await.expect("create a test database");
    admin.close().await.ok();
    let (base, _) = server.rsplit_once('/').expect("a postgres URL names a database");
    Some(format!("{base}/{name}"))
}
