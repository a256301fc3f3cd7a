//! Self-registration with chap-core's service orchestrator, as chapkit's
//! `.with_registration()` does: `POST {orchestrator}/v2/services/$register` with the
//! service's URL and `/api/v1/info`, then a keepalive `PUT` of the returned ping URL well
//! inside chap-core's 30 s TTL; registering again when the orchestrator has forgotten us
//! (a 404), and `DELETE /v2/services/{id}` on shutdown. Failures are logged and retried:
//! the service serves whether or not chap-core is up.

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where to register, and as what.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// chap-core's base URL, e.g. `http://chap:8000`.
    pub orchestrator: String,
    /// How chap-core reaches this service, e.g. `http://model:8000`.
    pub service_url: String,
    /// Sent as `X-Service-Key` (chapkit's `SERVICEKIT_REGISTRATION_KEY`).
    pub key: Option<String>,
    /// How often to ping (at most a third of the TTL the orchestrator announces).
    pub keepalive: Duration,
}

/// chap-core forgets a service it has not heard from for this long, unless it says otherwise.
const DEFAULT_TTL: Duration = Duration::from_secs(30);
/// Between failed attempts to register.
const RETRY: Duration = Duration::from_secs(2);

/// A registration in force: its id and ping URL.
#[derive(Debug, Clone)]
struct Registered {
    id: String,
    ping_url: String,
    keepalive: Duration,
}

/// Keeps the service registered until dropped (its task is aborted) — call [`Self::leave`]
/// on shutdown to deregister first.
pub struct Registrar {
    task: tokio::task::JoinHandle<()>,
    current: Arc<Mutex<Option<Registered>>>,
    registration: Arc<Registration>,
    client: reqwest::Client,
}

impl Registrar {
    /// Starts registering `info` (the `/api/v1/info` document) on the current runtime.
    pub fn start(registration: Registration, info: Arc<Value>) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("an HTTP client");
        let (registration, current) = (Arc::new(registration), Arc::new(Mutex::new(None)));
        let task = tokio::spawn(keep_registered(client.clone(), registration.clone(), info, current.clone()));
        Self { task, current, registration, client }
    }

    /// Stops the keepalive and deregisters (best effort, within a few seconds).
    pub async fn leave(self) {
        self.task.abort();
        let registered = self.current.lock().expect("registration lock").take();
        let Some(registered) = registered else { return };
        let url = format!("{}/v2/services/{}", self.registration.orchestrator.trim_end_matches('/'), registered.id);
        let request = with_key(self.client.delete(&url), &self.registration).timeout(Duration::from_secs(5));
        match request.send().await {
            Ok(response) => tracing::info!(status = %response.status(), "deregistered from chap-core"),
            Err(error) => tracing::warn!(%error, "cannot deregister from chap-core"),
        }
    }
}

impl Drop for Registrar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn with_key(request: reqwest::RequestBuilder, registration: &Registration) -> reqwest::RequestBuilder {
    match &registration.key {
        Some(key) => request.header("X-Service-Key", key),
        None => request,
    }
}

async fn keep_registered(
    client: reqwest::Client,
    registration: Arc<Registration>,
    info: Arc<Value>,
    current: Arc<Mutex<Option<Registered>>>,
) {
    loop {
        let registered = match register(&client, &registration, &info).await {
            Ok(registered) => registered,
            Err(error) => {
                tracing::warn!(%error, orchestrator = %registration.orchestrator, "cannot register with chap-core; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        tracing::info!(id = %registered.id, "registered with chap-core");
        *current.lock().expect("registration lock") = Some(registered.clone());
        loop {
            tokio::time::sleep(registered.keepalive).await;
            let ping = with_key(client.put(&registered.ping_url), &registration).send().await;
            match ping {
                Ok(response) if response.status() == reqwest::StatusCode::NOT_FOUND => {
                    tracing::warn!("chap-core forgot this service; registering again");
                    break;
                }
                Ok(response) if !response.status().is_success() => {
                    tracing::warn!(status = %response.status(), "chap-core refused a keepalive")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot reach chap-core for a keepalive"),
            }
        }
    }
}

async fn register(client: &reqwest::Client, registration: &Registration, info: &Value) -> Result<Registered, String> {
    let base = registration.orchestrator.trim_end_matches('/');
    let body = json!({"id": info["id"], "url": registration.service_url, "info": info});
    let request = with_key(client.post(format!("{base}/v2/services/$register")), registration).json(&body);
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the orchestrator answered {status}"));
    }
    let answer: Value = response.json().await.map_err(|e| format!("unreadable answer: {e}"))?;
    let id = answer["id"].as_str().ok_or("the answer has no `id`")?.to_owned();
    let ping_url = match answer["ping_url"].as_str() {
        Some(url) => url.to_owned(),
        None => format!("{base}/v2/services/{id}/$ping"),
    };
    let ttl = answer["ttl_seconds"].as_f64().filter(|s| *s > 0.0).map_or(DEFAULT_TTL, Duration::from_secs_f64);
    Ok(Registered { id, ping_url, keepalive: registration.keepalive.min(ttl / 3) })
}
