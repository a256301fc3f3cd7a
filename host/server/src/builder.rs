//! The library's builders, mirroring chapkit: `MlServiceBuilder` (everything, one call)
//! and `ServiceBuilder` (`with_health().with_config(..).with_artifacts().with_jobs(..)
//! .with_ml()`). Both end in an [`App`]: an axum `Router` plus the running service.
//! Misuse — `with_ml()` without config, artifacts and jobs — is a clear `build()` error.

use crate::api::{self, AppState, Parts};
use crate::app::{App, AppError};
use crate::info::ServiceInfo;
use crate::monitoring::{Metrics, MetricsAccess};
use crate::registration::Registration;
use crate::security::{Security, SecuritySettings};
use crate::shell_model::ShellModelRunner;
use chapwasm_service::{
    DefaultModel, Generation, LeasePolicy, MlService, QueuePolicy, Retention, RuntimeSettings, ServiceSettings,
};
use std::sync::Arc;

/// Most event streams open at once, and uploads received at once, by default.
pub const DEFAULT_MAX_STREAMS: usize = 256;
pub const DEFAULT_MAX_UPLOADS: usize = 4;

/// Most connections served at once by default (well under the usual 1024 open files).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long a connection may wait for a request's head by default.
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a request may take by default (body included; SSE streams excepted).
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Chooses the parts of the service one by one.
pub struct ServiceBuilder {
    info: ServiceInfo,
    component: Option<Vec<u8>>,
    shell_model: Option<ShellModelRunner>,
    database_url: String,
    max_concurrency: usize,
    body_limit: usize,
    request_timeout: std::time::Duration,
    runtime: RuntimeSettings,
    parts: Parts,
    forced_generation: Option<Generation>,
    queue: QueuePolicy,
    security: SecuritySettings,
    max_streams: usize,
    max_uploads: usize,
    idle_timeout: std::time::Duration,
    max_connections: usize,
    monitoring: Option<MetricsAccess>,
    registration: Option<Registration>,
}

impl ServiceBuilder {
    pub fn new(info: ServiceInfo) -> Self {
        Self {
            info,
            component: None,
            shell_model: None,
            database_url: ":memory:".into(),
            max_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            body_limit: 256 << 20,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            runtime: RuntimeSettings::default(),
            parts: Parts::default(),
            forced_generation: None,
            queue: QueuePolicy::default(),
            security: SecuritySettings::default(),
            max_streams: DEFAULT_MAX_STREAMS,
            max_uploads: DEFAULT_MAX_UPLOADS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            monitoring: None,
            registration: None,
        }
    }

    /// Registers the service with chap-core's orchestrator while `App::serve_until` runs
    /// (chapkit's `with_registration()`).
    pub fn with_registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// `/metrics` in Prometheus text, open to anyone who reaches the port (as chapkit).
    pub fn with_monitoring(self) -> Self {
        self.with_monitoring_access(MetricsAccess::Open)
    }

    /// `/metrics`, scraped by anyone (`Open`) or only with an admin key (`Admin`).
    pub fn with_monitoring_access(mut self, access: MetricsAccess) -> Self {
        self.monitoring = Some(access);
        self
    }

    /// The longest a connection may take to send a request's head, or wait idle between
    /// requests (default 30 s); then it is closed.
    pub fn with_idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Most connections served at once (default 512); more wait to be accepted.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Most event streams open at once (default 256, well under the connection cap, which
    /// streams also count against) and uploads received at once
    /// (default 4); beyond them, 503 with `Retry-After`.
    pub fn with_connection_caps(mut self, max_streams: usize, max_uploads: usize) -> Self {
        self.max_streams = max_streams;
        self.max_uploads = max_uploads;
        self
    }

    /// API keys, which operations need one, and a per-caller rate limit (default: open,
    /// unlimited — for loopback; see README "Exposing chapwasm").
    pub fn with_security(mut self, security: SecuritySettings) -> Self {
        self.security = security;
        self
    }

    /// `:memory:` (default), a SQLite file path, a `sqlite://` or a `postgres://` URL.
    pub fn with_database(mut self, url: &str) -> Self {
        self.database_url = url.to_owned();
        self
    }

    /// `/health`, `/api/v1/info`, `/api/v1/system`.
    pub fn with_health(mut self) -> Self {
        self.parts.health = true;
        self
    }

    /// Config CRUD, validated against the schema of `component` (the model's `.wasm`).
    pub fn with_config(mut self, component: impl Into<Vec<u8>>) -> Self {
        self.component = Some(component.into());
        self.parts.config = true;
        self
    }

    /// Config CRUD for an operator's shell model (the spec's `ShellModelRunner`): trusted
    /// commands, run natively, never uploadable. It is the service's default model.
    pub fn with_shell_config(mut self, runner: ShellModelRunner) -> Self {
        self.shell_model = Some(runner);
        self.parts.config = true;
        self
    }

    pub fn with_artifacts(mut self) -> Self {
        self.parts.artifacts = true;
        self
    }

    /// The job API, with at most `max_concurrency` jobs running at once.
    pub fn with_jobs(mut self, max_concurrency: usize) -> Self {
        self.max_concurrency = max_concurrency;
        self.parts.jobs = true;
        self
    }

    /// `$train` and `$predict`; needs config, artifacts and jobs.
    pub fn with_ml(mut self) -> Self {
        self.parts.ml = true;
        self
    }

    /// Largest request body in bytes (default 256 MiB: real CHAP payloads are tens of MB).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The longest a request (its body included; SSE streams excepted) may take (default
    /// 300 s: a 256 MiB body needs minutes on a slow link).
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Write every ML artifact in one chapkit wire generation, whatever the request spoke
    /// (default: the generation of the request that created it).
    pub fn with_wire_generation(mut self, generation: Generation) -> Self {
        self.forced_generation = Some(generation);
        self
    }

    /// Sandbox limits for every call.
    pub fn with_runtime(mut self, settings: RuntimeSettings) -> Self {
        self.runtime = settings;
        self
    }

    pub async fn build(self) -> Result<App, AppError> {
        if self.parts.ml {
            let missing: Vec<&str> = [
                ("with_config()", self.parts.config),
                ("with_artifacts()", self.parts.artifacts),
                ("with_jobs()", self.parts.jobs),
            ]
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(name, _)| name)
            .collect();
            if !missing.is_empty() {
                return Err(AppError::Setup(format!("with_ml() needs {} to be called first", missing.join(", "))));
            }
        }
        let model = match self.shell_model {
            Some(runner) => runner.into_default_model().map_err(|e| AppError::Setup(e.to_string()))?,
            None => {
                DefaultModel::Component(self.component.as_deref().unwrap_or(crate::bundled::LINEAR_REGRESSION).into())
            }
        };
        let service = MlService::open(ServiceSettings {
            database_url: self.database_url,
            runtime: self.runtime,
            model,
            max_concurrency: self.max_concurrency,
            horizon: (self.info.min_prediction_periods, self.info.max_prediction_periods),
            queue: self.queue,
        })
        .await?;
        let metrics_need_admin = self.monitoring == Some(MetricsAccess::Admin);
        let security =
            Arc::new(Security::new(self.security, metrics_need_admin).map_err(|e| AppError::Setup(e.to_string()))?);
        let metrics = match self.monitoring {
            None => None,
            Some(_) => {
                let metrics = Metrics::new(service.replica()).map_err(|e| AppError::Setup(e.to_string()))?;
                let metrics = Arc::new(metrics);
                tokio::spawn(crate::monitoring::follow_jobs(service.clone(), metrics.clone()));
                Some(metrics)
            }
        };
        let info = Arc::new(self.info.render(service.model_description(), service.model_sha256()));
        let registered_info = info.clone();
        let config_schema = Arc::new(api::config_schema(service.model_description()));
        let state = AppState {
            service: service.clone(),
            heavy_work: api::heavy_work_slots(),
            info,
            config_schema,
            forced_generation: self.forced_generation,
            security: security.clone(),
            streams: Arc::new(api::StreamSlots::new(self.max_streams)),
            uploads: Arc::new(tokio::sync::Semaphore::new(self.max_uploads)),
            metrics,
        };
        let router = api::router(state, self.parts, self.body_limit, self.request_timeout);
        Ok(App {
            router,
            service,
            security,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            info: registered_info,
            registration: self.registration,
        })
    }
}

/// Everything chapkit's `MLServiceBuilder` wires: health, config, artifacts, jobs, ML.
pub struct MlServiceBuilder {
    inner: ServiceBuilder,
}

impl MlServiceBuilder {
    /// A service for the model in `component` (a `.wasm` model component).
    pub fn new(info: ServiceInfo, component: impl Into<Vec<u8>>) -> Self {
        let inner = ServiceBuilder::new(info).with_health().with_config(component).with_artifacts().with_monitoring();
        let max_concurrency = inner.max_concurrency;
        Self { inner: inner.with_jobs(max_concurrency).with_ml() }
    }

    pub fn max_concurrency(mut self, jobs: usize) -> Self {
        self.inner.max_concurrency = jobs;
        self
    }

    /// Serves an operator's shell model instead of the component (see
    /// [`ServiceBuilder::with_shell_config`]).
    pub fn shell_model(mut self, runner: Option<ShellModelRunner>) -> Self {
        if runner.is_some() {
            self.inner.shell_model = runner;
        }
        self
    }

    pub fn database_url(mut self, url: &str) -> Self {
        self.inner.database_url = url.to_owned();
        self
    }

    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.inner.body_limit = bytes;
        self
    }

    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.inner.request_timeout = timeout;
        self
    }

    /// Sandbox limits and the precompiled-component cache.
    pub fn runtime(mut self, settings: RuntimeSettings) -> Self {
        self.inner.runtime = settings;
        self
    }

    pub fn wire_generation(mut self, generation: Option<Generation>) -> Self {
        self.inner.forced_generation = generation;
        self
    }

    /// Most event streams and uploads at once (see `ServiceBuilder::with_connection_caps`).
    pub fn connection_caps(mut self, max_streams: usize, max_uploads: usize) -> Self {
        self.inner = self.inner.with_connection_caps(max_streams, max_uploads);
        self
    }

    /// Registration with chap-core's orchestrator (see `ServiceBuilder::with_registration`).
    pub fn registration(mut self, registration: Option<Registration>) -> Self {
        self.inner.registration = registration;
        self
    }

    /// Who may scrape `/metrics` (`None`: no `/metrics`); default open, as chapkit.
    pub fn monitoring(mut self, access: Option<MetricsAccess>) -> Self {
        self.inner.monitoring = access;
        self
    }

    /// How long a connection may wait for a request's head (see `ServiceBuilder`).
    pub fn idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.inner.idle_timeout = timeout;
        self
    }

    /// Most connections served at once (see `ServiceBuilder`).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.inner.max_connections = connections;
        self
    }

    /// API keys, which operations need one, and a per-caller rate limit.
    pub fn security(mut self, security: SecuritySettings) -> Self {
        self.inner.security = security;
        self
    }

    /// How long a job's claim holds without heartbeats, and how often it may be retried.
    pub fn lease(mut self, lease: LeasePolicy) -> Self {
        self.inner.queue.lease = lease;
        self
    }

    /// Most jobs waiting to run before `$train`/`$predict` answer 503 (default 10 000).
    pub fn max_pending_jobs(mut self, jobs: usize) -> Self {
        self.inner.queue.max_pending_jobs = jobs.max(1);
        self
    }

    /// How long finished jobs and predictions are kept (default: a week each).
    pub fn retention(mut self, retention: Retention) -> Self {
        self.inner.queue.retention = retention;
        self
    }

    pub async fn build(self) -> Result<App, AppError> {
        self.inner.build().await
    }
}
