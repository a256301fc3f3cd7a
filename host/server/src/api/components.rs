//! `/api/v1/components`: upload (raw `application/wasm` or multipart body, limit overrides in
//! the query), list, get, `$download`, `limits`, delete. Uploads that are not working model
//! components are 4xx with what is wrong.

use super::body::path_id;
use super::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chapwasm_service::ComponentRow;
use chapwasm_service::LimitOverrides;
use chapwasm_service::{MlService, RegisterError};
use serde_json::{Value, json};

fn render(component: &ComponentRow, service: &MlService) -> Value {
    let limits = match service.limits_of(component) {
        Ok(limits) => limits.report(),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "id": component.id,
        "sha256": component.sha256,
        "name": component.name,
        "version": component.version,
        "size_bytes": component.size_bytes,
        "model": serde_json::from_str::<Value>(&component.description).unwrap_or(Value::Null),
        "limits": limits,
        "limit_overrides": serde_json::from_str::<Value>(&component.limits).unwrap_or(Value::Null),
        "created_at": component.created_at,
    })
}

fn rejection(error: RegisterError) -> ApiError {
    match error {
        RegisterError::TooLarge { .. } => ApiError::too_large(error.to_string()),
        RegisterError::NotFound(_) => ApiError::not_found(error.to_string()),
        RegisterError::Invalid(message) => ApiError::validation(&["body"], message),
        RegisterError::InUse { .. } | RegisterError::Default(_) => ApiError::conflict(error.to_string()),
        RegisterError::Internal(message) => ApiError::internal(message),
        RegisterError::Limits(e) => ApiError::validation(&["limits"], e.to_string()),
        RegisterError::Store(e) => e.into(),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    overrides: Result<Query<LimitOverrides>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(overrides) = overrides.map_err(|e| ApiError::validation(&["query"], e.body_text()))?;
    // Taken before the body is read: each upload being received holds up to the body limit.
    let Ok(_slot) = state.uploads.clone().try_acquire_owned() else {
        let busy = ApiError::unavailable("too many components are being uploaded at once: try again shortly", 5);
        return Ok(crate::security::guard::refuse(busy, request.headers()));
    };
    let wasm = component_bytes(request, &state).await?;
    let (component, created) = state.service.register_component(&wasm, &overrides).await.map_err(rejection)?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let location = format!("/api/v1/components/{}", component.id);
    Ok((status, [(header::LOCATION, location)], Json(render(&component, &state.service))).into_response())
}

/// The uploaded bytes: the raw body (`application/wasm`), or the first file part of a
/// `multipart/form-data` body (`curl -F file=@model.wasm`).
async fn component_bytes(request: Request, state: &AppState) -> Result<Bytes, ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Bytes::from_request(request, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(e.body_text()),
            _ => ApiError::bad_request(e.body_text()),
        });
    }
    let mut form =
        Multipart::from_request(request, state).await.map_err(|e| ApiError::validation(&["body"], e.body_text()))?;
    let malformed = |e: axum::extract::multipart::MultipartError| ApiError::validation(&["body"], e.body_text());
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        if field.file_name().is_some() || field.name() == Some("file") {
            return field.bytes().await.map_err(malformed);
        }
    }
    Err(ApiError::validation(&["body"], "the multipart form has no file part: send the component as `file`"))
}

/// `PUT /api/v1/components/{id}/limits`: replaces the component's limit overrides.
pub async fn set_limits(
    State(state): State<AppState>,
    Path(id): Path<String>,
    overrides: Result<Json<LimitOverrides>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let component = find(&state, &id).await?;
    let Json(overrides) = overrides.map_err(|e| ApiError::validation(&["body"], e.body_text()))?;
    let updated = state.service.set_component_limits(&component.id, &overrides).await.map_err(rejection)?;
    Ok(Json(render(&updated, &state.service)))
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let components = state.service.components().await?;
    Ok(Json(Value::Array(components.iter().map(|c| render(c, &state.service)).collect())))
}

async fn find(state: &AppState, id: &str) -> Result<ComponentRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.component(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(render(&find(&state, &id).await?, &state.service)))
}

pub async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let component = find(&state, &id).await?;
    let wasm = state.service.component_wasm(&component.id).await?;
    let wasm = wasm.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))?;
    let disposition = super::disposition::attachment(&format!("{}-{}.wasm", component.name, component.version));
    Ok(([(header::CONTENT_TYPE, "application/wasm".to_owned()), (header::CONTENT_DISPOSITION, disposition)], wasm)
        .into_response())
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let component = find(&state, &id).await?;
    state.service.delete_component(&component.id).await.map_err(rejection)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The config schema of one component (`/api/v1/configs/$schema` is the default's).
pub async fn schema(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let component = find(&state, &id).await?;
    let model =
        state.service.component_for(Some(&component.id)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(super::config_schema(model.description())))
}
