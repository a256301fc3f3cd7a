//! Assembling the service: runtime + component, store, scheduler and router, and serving
//! it on a listener. `chapwasm serve` and the integration tests both start here.

use crate::api::{self, AppState};
use crate::bundled::LINEAR_REGRESSION;
use crate::runtime::{Runtime, RuntimeError, RuntimeSettings};
use crate::service::MlService;
use crate::store::{Store, StoreError};
use axum::ServiceExt;
use axum::extract::Request;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;

/// How to run the service.
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
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            database_url: ":memory:".into(),
            max_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get()),
            body_limit: 256 << 20,
            component: None,
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
        let runtime = Runtime::new(RuntimeSettings::default())?;
        let model = runtime.load(settings.component.as_deref().unwrap_or(LINEAR_REGRESSION))?;
        let store = Store::connect(&settings.database_url).await?;
        let info = Arc::new(api::service_info(model.description()));
        let config_schema = Arc::new(api::config_schema(model.description()));
        let service = MlService::start(store, model, settings.max_concurrency).await.map_err(AppError::Setup)?;
        let router = api::router(AppState { service: service.clone(), info, config_schema }, settings.body_limit);
        Ok(Self { router, service })
    }

    /// Serves until the process ends (or the listener fails).
    pub async fn serve(self, listener: TcpListener) -> Result<(), AppError> {
        let app = MapRequestLayer::new(api::decode_dollar::<axum::body::Body>).layer(self.router);
        axum::serve(listener, ServiceExt::<Request>::into_make_service(app)).await?;
        Ok(())
    }
}
