//! `AppSettings`: how `chapwasm serve` runs the service, as one value (the builders offer
//! the same piece by piece, and `build` goes through them). `chapwasm serve` and the
//! integration tests both start here.

use crate::app::{App, AppError};
use crate::builder::MlServiceBuilder;
use crate::bundled::LINEAR_REGRESSION;
use crate::info::ServiceInfo;
use crate::monitoring::MetricsAccess;
use crate::security::SecuritySettings;
use chapwasm_service::{Compiler, DescribeLimits, Generation, QueuePolicy, RuntimeSettings, SandboxLimits};

/// How `chapwasm serve` runs the service (the builders offer the same, piece by piece).
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// `:memory:` (default), a SQLite file path, or a `sqlite://` URL.
    pub database_url: String,
    /// Most jobs running at once.
    pub max_concurrency: usize,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// The longest a request may take, body included (SSE streams excepted).
    pub request_timeout: std::time::Duration,
    /// The model component's bytes; `None` serves the bundled linear regression.
    pub component: Option<Vec<u8>>,
    /// An operator's shell model, served instead of `component` (trusted commands).
    pub shell_model: Option<crate::shell_model::ShellModelRunner>,
    /// Overrides of `/api/v1/info`.
    pub info: ServiceInfo,
    /// Force one chapkit wire generation for ML artifacts (`None`: per request).
    pub wire_generation: Option<Generation>,
    /// Sandbox limits of every model call.
    pub limits: SandboxLimits,
    /// Limits of `describe()` when a component is uploaded or loaded.
    pub describe_limits: DescribeLimits,
    /// Where precompiled components are kept across restarts (`None`: not kept).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Most bytes of precompiled code the disk cache keeps.
    pub cache_max_bytes: u64,
    /// Where uploads are compiled (`chapwasm serve`: a bounded child process of itself).
    pub compiler: Compiler,
    /// Job leases (for replicas sharing a PostgreSQL database), the queue's bound, and how
    /// long finished work is kept.
    pub queue: QueuePolicy,
    /// API keys, the auth mode and the per-caller rate limit.
    pub security: SecuritySettings,
    /// Most event streams open at once, and uploads received at once.
    pub max_streams: usize,
    pub max_uploads: usize,
    /// The longest a connection may wait for a request's head, idle included.
    pub idle_timeout: std::time::Duration,
    /// Most connections served at once.
    pub max_connections: usize,
    /// Who may scrape `/metrics` (`None`: not served).
    pub metrics: Option<MetricsAccess>,
    /// Registration with chap-core's orchestrator (`None`: none).
    pub registration: Option<crate::registration::Registration>,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            database_url: ":memory:".into(),
            max_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            body_limit: 256 << 20,
            request_timeout: crate::builder::DEFAULT_REQUEST_TIMEOUT,
            component: None,
            shell_model: None,
            info: ServiceInfo::default(),
            wire_generation: None,
            limits: SandboxLimits::default(),
            describe_limits: Default::default(),
            cache_dir: None,
            cache_max_bytes: 1 << 30,
            compiler: Compiler::InProcess,
            queue: QueuePolicy::default(),
            security: SecuritySettings::default(),
            max_streams: crate::builder::DEFAULT_MAX_STREAMS,
            max_uploads: crate::builder::DEFAULT_MAX_UPLOADS,
            idle_timeout: crate::builder::DEFAULT_IDLE_TIMEOUT,
            max_connections: crate::builder::DEFAULT_MAX_CONNECTIONS,
            metrics: Some(MetricsAccess::Open),
            registration: None,
        }
    }
}

impl AppSettings {
    /// Opens the service these settings describe, with every part of the API.
    pub async fn build(self) -> Result<App, AppError> {
        let settings = self;
        let component = settings.component.unwrap_or_else(|| LINEAR_REGRESSION.to_vec());
        MlServiceBuilder::new(settings.info, component)
            .shell_model(settings.shell_model)
            .max_concurrency(settings.max_concurrency)
            .database_url(&settings.database_url)
            .body_limit(settings.body_limit)
            .request_timeout(settings.request_timeout)
            .wire_generation(settings.wire_generation)
            .runtime(RuntimeSettings {
                limits: settings.limits,
                describe_limits: settings.describe_limits,
                cache_dir: settings.cache_dir,
                cache_max_bytes: settings.cache_max_bytes,
                compiler: settings.compiler,
                ..RuntimeSettings::default()
            })
            .lease(settings.queue.lease)
            .max_pending_jobs(settings.queue.max_pending_jobs)
            .retention(settings.queue.retention)
            .security(settings.security)
            .connection_caps(settings.max_streams, settings.max_uploads)
            .idle_timeout(settings.idle_timeout)
            .max_connections(settings.max_connections)
            .monitoring(settings.metrics)
            .registration(settings.registration)
            .build()
            .await
    }
}
