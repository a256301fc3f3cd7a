//! `/health` and `/api/v1/info`, and how the info and config schema are derived from the
//! component's own description.

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
pub async fn health(State(state): State<AppState>, caller: Option<Extension<Caller>>) -> (StatusCode, Json<Value>) {
    let (status, body) = check(&state, is_admin(&caller)).await;
    (status, Json(body))
}

/// The health document, and its status code.
async fn check(state: &AppState, admin: bool) -> (StatusCode, Value) {
    match state.service.ping().await {
        Ok(()) => (StatusCode::OK, json!({"status": "healthy", "checks": {"database": {"state": "healthy"}}})),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            let message = if admin { error.to_string() } else { "the database does not answer".into() };
            let database = json!({"state": "unhealthy", "message": message});
            (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "unhealthy", "checks": {"database": database}}))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct StreamQuery {
    poll_interval: Option<f64>,
}

/// `/health/$stream`: the health document as an SSE event every `poll_interval` seconds
/// (0.1 ≤ x ≤ 60, default 1), until the client leaves (as chapkit, which allows any
/// positive interval; ours has a floor so a stream cannot spin). Holds a stream slot.
pub async fn stream(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    query: Result<axum::extract::Query<StreamQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, Sse};
    let axum::extract::Query(query) = query.map_err(|e| ApiError::validation(&["query"], e.body_text()))?;
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
        let event = Ok::<_, std::convert::Infallible>(Event::default().data(body.to_string()));
        Some((event, (state, every, slot)))
    });
    Ok(Sse::new(events).into_response())
}

fn is_admin(caller: &Option<Extension<Caller>>) -> bool {
    caller.as_ref().is_some_and(|Extension(caller)| caller.is_admin())
}

pub async fn info(State(state): State<AppState>) -> Json<Value> {
    Json((*state.info).clone())
}

/// `/api/v1/system`: what this server is, who may use it, and the limits every model call
/// runs under; where it runs (the hostname) only for a caller with an admin key.
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
