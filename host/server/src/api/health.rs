//! `/health` and `/api/v1/info`, and how the info and config schema are derived from the
//! component's own description.

use super::openapi::{Common, CommonButFull};
use super::wire::{Check, Health, HealthChecks};
use super::{ApiError, AppState};
use crate::security::guard::Caller;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chapwasm_service::ModelDescription;
use serde_json::{Value, json};

/// `/health`: open to all, so the database's error text (which can name hosts, users and
/// paths) is logged and shown only to a caller with an admin key.
#[utoipa::path(get, path = "/health", tag = "health", operation_id = "health",
    responses((status = 200, description = "Healthy", body = Health),
              (status = 503, description = "The database does not answer", body = Health), CommonButFull))]
pub async fn health(State(state): State<AppState>, caller: Option<Extension<Caller>>) -> (StatusCode, Json<Health>) {
    let (status, body) = check(&state, is_admin(&caller)).await;
    (status, Json(body))
}

/// The health document, and its status code.
async fn check(state: &AppState, admin: bool) -> (StatusCode, Health) {
    let (status, state, message) = match state.service.ping().await {
        Ok(()) => (StatusCode::OK, "healthy", None),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            let message = if admin { error.to_string() } else { "the database does not answer".into() };
            (StatusCode::SERVICE_UNAVAILABLE, "unhealthy", Some(message))
        }
    };
    let database = Check { state: state.into(), message };
    (status, Health { status: state.into(), checks: HealthChecks { database } })
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Seconds between events, 0.1 to 60 (default 1).
    poll_interval: Option<f64>,
}

/// `/health/$stream`: the health document as an SSE event every `poll_interval` seconds
/// (0.1 ≤ x ≤ 60, default 1), until the client leaves (as chapkit, which allows any
/// positive interval; ours has a floor so a stream cannot spin). Holds a stream slot.
#[utoipa::path(get, path = "/health/$stream", tag = "health", operation_id = "health_stream", params(StreamQuery),
    responses((status = 200, description = "Server-sent events, each a `Health` document as `data`; never ends",
               content_type = "text/event-stream", body = super::wire::ServerSentEvent), Common))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    query: Result<axum::extract::Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, Sse};
    let query = super::body::query(query)?;
    let seconds = query.poll_interval.unwrap_or(1.0);
    if !(0.1..=60.0).contains(&seconds) {
        return Err(ApiError::validation(&["query", "poll_interval"], "poll_interval must be 0.1 to 60 seconds"));
    }
    let slot = state.streams.take(caller.as_ref().map(|Extension(c)| c), "poll GET /health")?;
    let admin = is_admin(&caller);
    let every = tokio::time::interval(std::time::Duration::from_secs_f64(seconds));
    let events = futures_util::stream::unfold((state, every, slot), move |(state, mut every, slot)| async move {
        every.tick().await;
        let (_, body) = check(&state, admin).await;
        let body = serde_json::to_string(&body).unwrap_or_default();
        let event = Ok::<_, std::convert::Infallible>(Event::default().data(body));
        Some((event, (state, every, slot)))
    });
    Ok(Sse::new(events).into_response())
}

fn is_admin(caller: &Option<Extension<Caller>>) -> bool {
    caller.as_ref().is_some_and(|Extension(caller)| caller.is_admin())
}

/// `/api/v1/info`: chapkit's service info (what chap-core registers as a model template).
#[utoipa::path(get, path = "/api/v1/info", tag = "health", operation_id = "info",
    responses((status = 200, description = "chapkit's model info: name, version, `git_revision`, period \
               type, required covariates, ...", body = Object), Common))]
pub async fn info(State(state): State<AppState>) -> Json<Value> {
    Json((*state.info).clone())
}

/// `/api/v1/system`: what this server is, who may use it, and the limits every model call
/// runs under; where it runs (the hostname) only for a caller with an admin key.
#[utoipa::path(get, path = "/api/v1/system", tag = "health", operation_id = "system",
    responses((status = 200, description = "Limits, components, version, access mode", body = Object), Common))]
pub async fn system(State(state): State<AppState>, caller: Option<Extension<Caller>>) -> Json<Value> {
    let hostname = is_admin(&caller)
        .then(|| std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default());
    Json(json!({
        "limits": state.service.limits().report(),
        "describe_limits": state.service.describe_limits().report(),
        "compile_limits": match state.service.compiler() {
            chapwasm_service::Compiler::Subprocess { limits, .. } => limits.report(),
            chapwasm_service::Compiler::InProcess => serde_json::Value::Null,
        },
        "components": state.service.compile_stats(),
        "current_time": chapwasm_service::clock::job_time(),
        "timezone": "UTC",
        "chapwasm_version": env!("CARGO_PKG_VERSION"),
        "platform": format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        "hostname": hostname,
        "security": state.security.report(),
    }))
}

/// The component's config schema with chapkit's reserved fields added, as `$schema` serves it.
pub fn config_schema(model: &ModelDescription) -> Value {
    let mut schema = model.config_schema.clone();
    let properties = schema.as_object_mut().map(|s| s.entry("properties").or_insert_with(|| json!({})));
    if let Some(Value::Object(properties)) = properties {
        properties
            .entry("prediction_periods")
            .or_insert(json!({"default": 3, "title": "Prediction Periods", "type": "integer"}));
        properties.entry("additional_continuous_covariates").or_insert(
            json!({"default": [], "items": {"type": "string"}, "title": "Additional Continuous Covariates", "type": "array"}),
        );
    }
    schema["additionalProperties"] = json!(true);
    schema
}
