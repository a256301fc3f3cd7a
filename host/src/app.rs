//! Assembling the service: runtime + component, store, scheduler and router, and serving
//! it on a listener. `chapwasm serve` and the integration tests both start here.

use crate::api;
use crate::builder::MlServiceBuilder;
use crate::bundled::LINEAR_REGRESSION;
use crate::info::ServiceInfo;
use crate::runtime::{RuntimeError, RuntimeSettings, SandboxLimits};
use crate::service::{Generation, LeasePolicy, MlService};
use crate::store::StoreError;
use axum::ServiceExt;
use axum::extract::Request;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;

/// How `chapwasm serve` runs the service (the builders offer the same, piece by piece).
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// `:memory:` (default), a SQLite file path, or a `sqlite://` URL.
    pub database_url: String,
    /// Most jobs running at once.
    pub max_concurrency: usize,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// The model component's bytes; `None` serves the bundled linear regression.
    pub component: Option<Vec<u8>>,
    /// Overrides of `/api/v1/info`.
    pub info: ServiceInfo,
    /// Force one chapkit wire generation for ML artifacts (`None`: per request).
    pub wire_generation: Option<Generation>,
    /// Sandbox limits of every model call.
    pub limits: SandboxLimits,
    /// Limits of `describe()` when a component is uploaded or loaded.
    pub describe_limits: crate::runtime::DescribeLimits,
    /// Where precompiled components are kept across restarts (`None`: not kept).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Most bytes of precompiled code the disk cache keeps.
    pub cache_max_bytes: u64,
    /// Where uploads are compiled (`chapwasm serve`: a bounded child process of itself).
    pub compiler: crate::runtime::Compiler,
    /// Job leases (for replicas sharing a PostgreSQL database).
    pub lease: LeasePolicy,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            database_url: ":memory:".into(),
            max_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            body_limit: 256 << 20,
            component: None,
            info: ServiceInfo::default(),
            wire_generation: None,
            limits: SandboxLimits::default(),
            describe_limits: Default::default(),
            cache_dir: None,
            cache_max_bytes: 1 << 30,
            compiler: crate::runtime::Compiler::InProcess,
            lease: LeasePolicy::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Setup(String),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// A built service, ready to serve.
pub struct App {
    pub router: axum::Router,
    pub service: Arc<MlService>,
}

impl App {
    pub async fn build(settings: AppSettings) -> Result<Self, AppError> {
        let component = settings.component.unwrap_or_else(|| LINEAR_REGRESSION.to_vec());
        MlServiceBuilder::new(settings.info, component)
            .max_concurrency(settings.max_concurrency)
            .database_url(&settings.database_url)
            .body_limit(settings.body_limit)
            .wire_generation(settings.wire_generation)
            .runtime(RuntimeSettings {
                limits: settings.limits,
                describe_limits: settings.describe_limits,
                cache_dir: settings.cache_dir,
                cache_max_bytes: settings.cache_max_bytes,
                compiler: settings.compiler,
                ..RuntimeSettings::default()
            })
            .lease(settings.lease)
            .build()
            .await
    }

    /// Serves until `stop` resolves, then drains: claims no more jobs, gives running ones
    /// up to `grace` to finish, hands the rest back to the queue (for another replica), and
    /// returns. Requests keep being answered while it drains.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        stop: impl std::future::Future<Output = ()>,
        grace: std::time::Duration,
    ) -> Result<(), AppError> {
        let service = self.service.clone();
        tokio::select! {
            served = self.serve(listener) => served,
            handed_back = async { stop.await; service.drain(grace).await } => {
                tracing::info!(handed_back, "drained: running jobs finished or were handed back");
                Ok(())
            }
        }
    }

    /// Serves until the process ends (or the listener fails); `%24` in paths means `$`.
    pub async fn serve(self, listener: TcpListener) -> Result<(), AppError> {
        use axum::serve::ListenerExt;
        let app = MapRequestLayer::new(api::decode_dollar::<axum::body::Body>).layer(self.router);
        // Small writes (SSE events, 202s) go out at once: without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK hold each one back ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await?;
        Ok(())
    }
}
