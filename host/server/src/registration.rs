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
    /// chap-core's base URL (`http://chap:8000`), or its register URL itself
    /// (`http://chap:8000/v2/services/$register`, as chapkit's `SERVICEKIT_ORCHESTRATOR_URL`
    /// is written).
    pub orchestrator: String,
    /// How chap-core reaches this service, e.g. `http://model:8000`.
    pub service_url: String,
    /// Sent as `X-Service-Key` (chapkit's `SERVICEKIT_REGISTRATION_KEY`).
    pub key: Option<String>,
    /// How often to ping (at most a third of the TTL the orchestrator announces).
    pub keepalive: Duration,
}

impl Registration {
    /// Where to `POST` a registration.
    pub fn register_url(&self) -> String {
        let given = self.orchestrator.trim_end_matches('/');
        if given.ends_with("/$register") || given.ends_with("/%24register") {
            given.to_owned()
        } else {
            format!("{given}/v2/services/$register")
        }
    }

    /// Where registrations live (`DELETE {services}/{id}`): the register URL's parent.
    pub fn services_url(&self) -> String {
        let register = self.register_url();
        register.rsplit_once('/').map_or(register.clone(), |(parent, _)| parent.to_owned())
    }
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
        // No redirects: the registration key must not follow one to another host.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let (registration, current) = (Arc::new(registration), Arc::new(Mutex::new(None)));
        let task = tokio::spawn(keep_registered(client.clone(), registration.clone(), info, current.clone()));
        Self { task, current, registration, client }
    }

    /// Stops the keepalive and deregisters (best effort, within a few seconds).
    pub async fn leave(self) {
        self.task.abort();
        let registered = self.current.lock().expect("registration lock").take();
        let Some(registered) = registered else { return };
        let url = format!("{}/{}", self.registration.services_url(), registered.id);
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
    let body = json!({"id": info["id"], "url": registration.service_url, "info": info});
    let request = with_key(client.post(registration.register_url()), registration).json(&body);
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the orchestrator answered {status}"));
    }
    let answer: Value = response.json().await.map_err(|e| format!("unreadable answer: {e}"))?;
    let id = answer["id"].as_str().ok_or("the answer has no `id`")?.to_owned();
    let ping_url = match answer["ping_url"].as_str() {
        Some(url) => url.to_owned(),
        None => format!("{}/{id}/$ping", registration.services_url()),
    };
    // Whatever the orchestrator says, a keepalive every 1 s to 20 min.
    let ttl = answer["ttl_seconds"].as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok()).unwrap_or(DEFAULT_TTL);
    let keepalive = registration.keepalive.min(ttl / 3).clamp(Duration::from_secs(1), Duration::from_secs(1200));
    Ok(Registered { id, ping_url, keepalive })
}

#[cfg(test)]
mod tests {
    use super::Registration;
    use std::time::Duration;

    fn at(orchestrator: &str) -> Registration {
        let (service_url, keepalive) = ("http://model:8000".into(), Duration::from_secs(10));
        Registration { orchestrator: orchestrator.into(), service_url, key: None, keepalive }
    }

    #[test]
    fn a_base_url_and_chapkits_register_url_name_the_same_endpoints() {
        for given in ["http://chap:8000", "http://chap:8000/", "http://chap:8000/v2/services/$register"] {
            assert_eq!(at(given).register_url(), "http://chap:8000/v2/services/$register", "{given}");
            assert_eq!(at(given).services_url(), "http://chap:8000/v2/services", "{given}");
        }
    }
}
