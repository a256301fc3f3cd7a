//! A built service and its router (`App`), served on a listener until told to stop, then
//! drained. Built by the builders (`builder.rs`) or from `AppSettings` (`settings.rs`).

use crate::api;
use axum::extract::{ConnectInfo, Request};
use chapwasm_service::{MlService, OpenError};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::util::MapRequestLayer;
use tower::{Layer, ServiceExt};

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
    pub security: Arc<crate::security::Security>,
    /// The longest a connection may wait for a request's head (idle keep-alive included).
    pub idle_timeout: std::time::Duration,
    /// Most connections served at once.
    pub max_connections: usize,
    /// `/api/v1/info`, as registered with chap-core.
    pub info: Arc<serde_json::Value>,
    /// Where `serve_until` registers the service (chap-core's orchestrator), if anywhere.
    pub registration: Option<crate::registration::Registration>,
}

impl App {
    /// Serves (registered with chap-core, if so configured) until `stop` resolves, then
    /// deregisters and drains: claims no more jobs, gives running ones up to `grace` to
    /// finish, hands the rest back to the queue (for another replica), and returns.
    /// Requests keep being answered while it drains.
    pub async fn serve_until(
        mut self,
        listener: TcpListener,
        stop: impl std::future::Future<Output = ()>,
        grace: std::time::Duration,
    ) -> Result<(), AppError> {
        let service = self.service.clone();
        let registrar = self.registration.take().map(|r| crate::registration::Registrar::start(r, self.info.clone()));
        tokio::select! {
            served = self.serve(listener) => served,
            handed_back = async {
                stop.await;
                if let Some(registrar) = registrar {
                    registrar.leave().await;
                }
                service.drain(grace).await
            } => {
                tracing::info!(handed_back, "drained: running jobs finished or were handed back");
                Ok(())
            }
        }
    }

    /// Serves until the process ends; `%24` in paths means `$`. Each connection is served
    /// by hyper's HTTP/1 with a header deadline: a client must send each request's head
    /// within the idle timeout (also while a kept-alive connection waits for its next
    /// request), so idle or trickling connections are closed rather than held for ever.
    pub async fn serve(self, listener: TcpListener) -> Result<(), AppError> {
        self.security.served_on(listener.local_addr()?);
        let app = MapRequestLayer::new(api::decode_dollar::<axum::body::Body>).layer(self.router);
        let idle_timeout = self.idle_timeout;
        let connections = Arc::new(tokio::sync::Semaphore::new(self.max_connections.max(1)));
        let mut warned_at: Option<std::time::Instant> = None;
        loop {
            // At the cap, new connections wait in the kernel's backlog until one closes.
            let slot = connections.clone().acquire_owned().await.expect("the connection semaphore is never closed");
            let (tcp, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, typically: wait for connections to close,
                    // and say so at most once a minute.
                    if warned_at.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(60)) {
                        warned_at = Some(std::time::Instant::now());
                        tracing::warn!(%error, "cannot accept a connection");
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Small writes (SSE events, 202s) go out at once: without TCP_NODELAY, Nagle's
            // algorithm and the client's delayed ACK hold each one back ~40 ms.
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
            let app = app.clone();
            tokio::spawn(async move {
                let _slot = slot;
                // The peer's address reaches the rate limit of callers without a key.
                let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    app.clone().oneshot(request.map(axum::body::Body::new))
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(idle_timeout)
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                    .with_upgrades();
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
            });
        }
    }
}
