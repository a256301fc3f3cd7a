//! `/api/v1/components`: upload (raw `application/wasm` or multipart body, limit overrides in
//! the query), list, get, `$download`, `limits`, delete. Uploads that are not working model
//! components are 4xx with what is wrong.

use super::body::path_id;
use super::openapi::{Binary, ById, Common, Conflicts, Id, Limits, UploadForm, WithBody};
use super::wire::Component;
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

fn render(component: &ComponentRow, service: &MlService) -> Component {
    let limits = match service.limits_of(component) {
        Ok(limits) => limits.report(),
        Err(e) => json!({ "error": e.to_string() }),
    };
    Component {
        id: component.id.clone(),
        sha256: component.sha256.clone(),
        name: component.name.clone(),
        version: component.version.clone(),
        size_bytes: component.size_bytes,
        model: serde_json::from_str::<Value>(&component.description).unwrap_or(Value::Null),
        limits,
        limit_overrides: serde_json::from_str::<Value>(&component.limits).unwrap_or(Value::Null),
        created_at: component.created_at.clone(),
    }
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

/// Registers a component: compiled, described by its own `describe`, tried in the sandbox.
#[utoipa::path(post, path = "/api/v1/components", tag = "components", operation_id = "upload_component",
    params(Limits),
    request_body(description = "The component: raw bytes (`application/wasm` or any type), or a form's file",
                 content((Binary = "application/octet-stream"), (UploadForm = "multipart/form-data"))),
    responses((status = 201, description = "Registered", body = Component,
               headers(("Location" = String, description = "The component's URL"))),
              (status = 200, description = "Already registered (same bytes)", body = Component,
               headers(("Location" = String, description = "The component's URL"))),
              ById, Conflicts, WithBody, Common))]
pub async fn upload(
    State(state): State<AppState>,
    overrides: Result<Query<LimitOverrides>, QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let overrides = super::body::query(overrides)?;
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
#[utoipa::path(put, path = "/api/v1/components/{id}/limits", tag = "components", operation_id = "set_component_limits",
    params(Id), request_body = Limits,
    responses((status = 200, description = "The component, under its new limits", body = Component),
              ById, Conflicts, WithBody, Common))]
pub async fn set_limits(
    State(state): State<AppState>,
    Path(id): Path<String>,
    overrides: Result<Json<LimitOverrides>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Component>, ApiError> {
    let component = find(&state, &id).await?;
    let Json(overrides) = overrides.map_err(|e| ApiError::validation(&["body"], e.body_text()))?;
    let updated = state.service.set_component_limits(&component.id, &overrides).await.map_err(rejection)?;
    Ok(Json(render(&updated, &state.service)))
}

#[utoipa::path(get, path = "/api/v1/components", tag = "components", operation_id = "list_components",
    responses((status = 200, description = "Every registered component", body = Vec<Component>), Common))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Component>>, ApiError> {
    let components = state.service.components().await?;
    Ok(Json(components.iter().map(|c| render(c, &state.service)).collect()))
}

async fn find(state: &AppState, id: &str) -> Result<ComponentRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.component(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))
}

#[utoipa::path(get, path = "/api/v1/components/{id}", tag = "components", operation_id = "get_component", params(Id),
    responses((status = 200, description = "The component", body = Component), ById, Common))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Component>, ApiError> {
    Ok(Json(render(&find(&state, &id).await?, &state.service)))
}

#[utoipa::path(get, path = "/api/v1/components/{id}/$download", tag = "components",
    operation_id = "download_component", params(Id),
    responses((status = 200, description = "The component's bytes", content_type = "application/wasm", body = Binary),
              ById, Common))]
pub async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let component = find(&state, &id).await?;
    let wasm = state.service.component_wasm(&component.id).await?;
    let wasm = wasm.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))?;
    let disposition = super::disposition::attachment(&format!("{}-{}.wasm", component.name, component.version));
    Ok(([(header::CONTENT_TYPE, "application/wasm".to_owned()), (header::CONTENT_DISPOSITION, disposition)], wasm)
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/components/{id}", tag = "components", operation_id = "delete_component",
    params(Id), responses((status = 204, description = "Deleted"), ById, Conflicts, Common))]
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let component = find(&state, &id).await?;
    state.service.delete_component(&component.id).await.map_err(rejection)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The config schema of one component (`/api/v1/configs/$schema` is the default's).
#[utoipa::path(get, path = "/api/v1/components/{id}/$schema", tag = "components",
    operation_id = "component_config_schema", params(Id),
    responses((status = 200, description = "A JSON Schema", body = Object), ById, Common))]
pub async fn schema(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let component = find(&state, &id).await?;
    let model =
        state.service.component_for(Some(&component.id)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(super::config_schema(model.description())))
}
