//! `/health` and `/api/v1/info`, and how the info and config schema are derived from the
//! component's own description.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chapwasm_service::ModelDescription;
use serde_json::{Value, json};

pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.service.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "healthy", "checks": {"database": {"state": "healthy"}}}))),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "unhealthy", "checks": {"database": {"state": "unhealthy", "message": e.to_string()}}}),
            ),
        ),
    }
}

pub async fn info(State(state): State<AppState>) -> Json<Value> {
    Json((*state.info).clone())
}

/// `/api/v1/system`: where and what this server is, and the limits every model call runs under.
pub async fn system(State(state): State<AppState>) -> Json<Value> {
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
        "hostname": std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default(),
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
