//! A built service and its router (`App`), served on a listener until told to stop, then
//! drained. Built by the builders (`builder.rs`) or from `AppSettings` (`settings.rs`).

use crate::api;
use axum::ServiceExt;
use axum::extract::Request;
use chapwasm_service::{MlService, OpenError};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Open(#[from] OpenError),
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
