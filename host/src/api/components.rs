//! `/api/v1/components`: upload (raw `application/wasm` body), list, get, `$download`,
//! delete. Uploads that are not working model components are 4xx with what is wrong.

use super::body::path_id;
use super::{ApiError, AppState};
use crate::service::RegisterError;
use crate::store::ComponentRow;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn render(component: &ComponentRow, limits: &Value) -> Value {
    json!({
        "id": component.id,
        "sha256": component.sha256,
        "name": component.name,
        "version": component.version,
        "size_bytes": component.size_bytes,
        "model": serde_json::from_str::<Value>(&component.description).unwrap_or(Value::Null),
        "limits": limits,
        "created_at": component.created_at,
    })
}

pub async fn upload(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let (component, created) = state.service.register_component(&body).await.map_err(|error| match error {
        RegisterError::TooLarge { .. } => ApiError::too_large(error.to_string()),
        RegisterError::NotFound(_) => ApiError::not_found(error.to_string()),
        RegisterError::Invalid(message) => ApiError::validation(&["body"], message),
        RegisterError::Store(e) => e.into(),
    })?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let location = format!("/api/v1/components/{}", component.id);
    Ok((status, [(header::LOCATION, location)], Json(render(&component, &state.limits))).into_response())
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let components = state.service.store().list_components().await?;
    Ok(Json(Value::Array(components.iter().map(|c| render(c, &state.limits)).collect())))
}

async fn find(state: &AppState, id: &str) -> Result<ComponentRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.store().find_component(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(render(&find(&state, &id).await?, &state.limits)))
}

pub async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let component = find(&state, &id).await?;
    let wasm = state.service.store().component_wasm(&component.id).await?;
    let wasm = wasm.ok_or_else(|| ApiError::not_found(format!("Component with id {id} not found")))?;
    let disposition = format!("attachment; filename={}-{}.wasm", component.name, component.version);
    Ok(([(header::CONTENT_TYPE, "application/wasm".to_owned()), (header::CONTENT_DISPOSITION, disposition)], wasm)
        .into_response())
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let component = find(&state, &id).await?;
    let users = state.service.store().configs_using_component(&component.id).await?;
    if users > 0 {
        return Err(ApiError::conflict(format!(
            "Component {} is used by {users} config(s); delete or re-point them first",
            component.id
        )));
    }
    state.service.store().delete_component(&component.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The config schema of one component (`/api/v1/configs/$schema` is the default's).
pub async fn schema(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let component = find(&state, &id).await?;
    let model =
        state.service.component_for(Some(&component.id)).await.map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(super::config_schema(model.description())))
}
