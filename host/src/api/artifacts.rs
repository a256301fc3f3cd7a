//! `/api/v1/artifacts`: list (without content) and get (ML artifacts rendered in the
//! generation of the request that created them).

use super::body::path_id;
use super::render::artifact;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let artifacts = state.service.store().list_artifacts().await?;
    Ok(Json(Value::Array(artifacts.iter().map(|a| artifact(a, false)).collect())))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let found = state.service.store().get_artifact(id).await?;
    found
        .map(|a| Json(artifact(&a, true)))
        .ok_or_else(|| ApiError::not_found(format!("Artifact with id {id} not found")))
}
