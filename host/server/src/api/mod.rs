//! The HTTP layer: chapkit's REST API over the service. The only module that knows HTTP
//! status codes and JSON wire shapes (both chapkit generations are rendered here).

mod artifacts;
mod body;
mod components;
mod configs;
mod deadline;
mod disposition;
mod health;
mod jobs;
mod ml;
mod offload;
mod openapi;
mod page;
mod problem;
mod render;
mod sample_data;
mod stream;
mod stream_slots;
mod top_level;
mod trace;
mod wire;

pub use health::config_schema;
pub use offload::heavy_work_slots;
pub(crate) use openapi::Common;
pub use problem::ApiError;
pub use stream_slots::StreamSlots;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, Uri};
use axum::routing::{get, post, put};
use chapwasm_service::MlService;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Arc<MlService>,
    /// Slots for CPU-heavy request work off the reactor (`offload.rs`).
    pub heavy_work: Arc<tokio::sync::Semaphore>,
    /// `/api/v1/info`, computed once (chap-core calls it very often).
    pub info: Arc<serde_json::Value>,
    /// `/api/v1/configs/$schema`, computed once.
    pub config_schema: Arc<serde_json::Value>,
    /// Write every ML artifact in this generation, whatever the request spoke.
    pub forced_generation: Option<chapwasm_service::Generation>,
    /// Keys, mode and rate limit, enforced in front of every route (`security/guard.rs`).
    pub security: Arc<crate::security::Security>,
    /// Slots for open event streams and for uploads being received: beyond them, 503.
    pub streams: Arc<stream_slots::StreamSlots>,
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// `/metrics` and what it counts (`None`: monitoring is off).
    pub metrics: Option<Arc<crate::monitoring::Metrics>>,
}

/// Which groups of routes to mount (chapkit's `with_health()`, `with_config()`, ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts {
    pub health: bool,
    pub config: bool,
    pub artifacts: bool,
    pub jobs: bool,
    pub ml: bool,
}

/// The chapkit API as an axum router; `body_limit` caps request bodies in bytes, and every
/// request but an SSE stream must be answered within `request_timeout`.
pub fn router(state: AppState, parts: Parts, body_limit: usize, request_timeout: std::time::Duration) -> Router {
    let mut router = Router::new();
    if parts.health {
        router = router
            .route("/health", get(health::health))
            .route("/api/v1/info", get(health::info))
            .route("/api/v1/system", get(health::system));
    }
    if parts.config {
        router = router
            .route("/api/v1/configs", get(configs::list).post(configs::create))
            .route("/api/v1/configs/$schema", get(configs::schema))
            .route("/api/v1/configs/$stats", get(configs::stats))
            .route("/api/v1/configs/{id}", get(configs::get).put(configs::update).delete(configs::delete))
            .route("/api/v1/configs/{id}/$artifacts", get(configs::artifacts))
            .route("/api/v1/configs/{id}/$link-artifact", post(configs::link))
            .route("/api/v1/configs/{id}/$unlink-artifact", post(configs::unlink));
    }
    if parts.artifacts {
        router = router
            .route("/api/v1/artifacts", get(artifacts::list).post(artifacts::create))
            .route("/api/v1/artifacts/$schema", get(artifacts::schema))
            .route("/api/v1/artifacts/$stats", get(artifacts::stats))
            .route("/api/v1/artifacts/{id}", get(artifacts::get).put(artifacts::update).delete(artifacts::delete))
            .route("/api/v1/artifacts/{id}/$tree", get(artifacts::tree))
            .route("/api/v1/artifacts/{id}/$expand", get(artifacts::expand))
            .route("/api/v1/artifacts/{id}/$config", get(artifacts::config))
            .route("/api/v1/artifacts/{id}/$metadata", get(artifacts::metadata_of))
            .route("/api/v1/artifacts/{id}/$download", get(artifacts::download));
    }
    if parts.ml {
        router = router
            .route("/api/v1/components", get(components::list).post(components::upload))
            .route("/api/v1/components/{id}", get(components::get).delete(components::delete))
            .route("/api/v1/components/{id}/$download", get(components::download))
            .route("/api/v1/components/{id}/limits", put(components::set_limits))
            .route("/api/v1/components/{id}/$schema", get(components::schema));
    }
    if parts.jobs {
        router = router
            .route("/api/v1/jobs", get(jobs::list))
            .route("/api/v1/jobs/$schema", get(jobs::schema))
            .route("/api/v1/jobs/{id}", get(jobs::get).delete(jobs::delete));
    }
    if parts.ml {
        router = router
            .route("/api/v1/ml/$train", post(ml::train))
            .route("/api/v1/ml/$predict", post(ml::predict))
            .route("/api/v1/ml/$validate", post(ml::validate))
            .route("/api/v1/ml/$generate-sample-data", get(sample_data::generate));
    }
    // The deadline covers the routes above; a stream lasts as long as its job.
    router = router.route_layer(axum::middleware::from_fn_with_state(request_timeout, deadline::deadline));
    if parts.jobs {
        router = router.route("/api/v1/jobs/{id}/$stream", get(stream::stream));
    }
    if parts.health {
        router = router.route("/health/$stream", get(health::stream));
    }
    if state.metrics.is_some() {
        router = router.route("/metrics", get(crate::monitoring::metrics));
    }
    // The OpenAPI document of what is mounted above, and Swagger UI over it.
    router = router.merge(openapi::routes(parts, state.metrics.is_some()));
    // Every route, streams and docs included, behind the keys and the rate limit.
    let guard = axum::middleware::from_fn_with_state(state.security.clone(), crate::security::guard::guard);
    router = router.route_layer(guard).fallback(|| async { ApiError::not_found("Not Found") });
    // Requests are counted outside the guard (its refusals count) and the fallback (so do
    // unknown paths); the route pattern reaches the count through the response.
    if let Some(metrics) = state.metrics.clone() {
        router = router
            .route_layer(axum::middleware::from_fn(crate::monitoring::tag_route))
            .layer(axum::middleware::from_fn_with_state(metrics, crate::monitoring::count_requests));
    }
    router.layer(DefaultBodyLimit::max(body_limit)).layer(axum::middleware::from_fn(trace::trace)).with_state(state)
}

/// Clients may send `$` as `%24` (`/api/v1/ml/%24train`); routes are written with `$`.
pub fn decode_dollar<B>(mut request: Request<B>) -> Request<B> {
    let path = request.uri().path();
    if path.contains("%24") {
        let decoded = path.replace("%24", "$");
        let rebuilt = match request.uri().query() {
            Some(query) => format!("{decoded}?{query}"),
            None => decoded,
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}
