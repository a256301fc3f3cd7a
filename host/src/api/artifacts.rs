//! `/api/v1/artifacts`: list (without content), get (ML artifacts rendered in the
//! generation of the request that created them), `$tree`, `$expand`, `$config`,
//! `$metadata` and `$download` (the only way model bytes leave the server).

use super::body::path_id;
use super::configs;
use super::render::{artifact, metadata};
use super::{ApiError, AppState};
use crate::store::ArtifactRow;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Level labels of the ML hierarchy, as chapkit's `ArtifactHierarchy(name="ml", ...)`.
const HIERARCHY: &str = "ml";
const LEVEL_LABELS: [&str; 2] = ["trained_model", "predictions"];

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let artifacts = state.service.store().list_artifacts().await?;
    Ok(Json(Value::Array(artifacts.iter().map(|a| artifact(a, false)).collect())))
}

async fn find(state: &AppState, id: &str) -> Result<ArtifactRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.store().get_artifact(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Artifact with id {id} not found")))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(artifact(&find(&state, &id).await?, true)))
}

pub async fn tree(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let root = find(&state, &id).await?;
    Ok(Json(subtree(&state, root).await?))
}

/// A node with its descendants, contents stripped.
async fn subtree(state: &AppState, root: ArtifactRow) -> Result<Value, ApiError> {
    let mut node = artifact(&root, false);
    let mut children = Vec::new();
    for child in state.service.store().child_artifacts(&root.id).await? {
        children.push(Box::pin(subtree(state, child)).await?);
    }
    node["children"] = Value::Array(children);
    Ok(node)
}

pub async fn expand(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = find(&state, &id).await?;
    let mut node = artifact(&row, false);
    node["level_label"] = json!(LEVEL_LABELS.get(row.level as usize));
    node["hierarchy"] = json!(HIERARCHY);
    node["children"] = Value::Null;
    Ok(Json(node))
}

pub async fn config(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let mut row = find(&state, &id).await?;
    let store = state.service.store();
    while let Some(parent) = row.parent_id.clone() {
        match store.get_artifact(&parent).await? {
            Some(parent) => row = parent,
            None => break,
        }
    }
    let config_id = store.config_of_root(&row.id).await?;
    let config = match config_id {
        Some(config_id) => store.get_config(&config_id).await?,
        None => None,
    };
    config
        .map(|c| Json(configs::render(&c)))
        .ok_or_else(|| ApiError::not_found(format!("No config linked to artifact {id}")))
}

pub async fn metadata_of(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(metadata(&find(&state, &id).await?)))
}

pub async fn download(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = find(&state, &id).await?;
    let (Some(content), Some(content_type)) = (row.content, row.content_type) else {
        return Err(ApiError::not_found("Artifact has no content"));
    };
    let (body, content_type, extension) = if content_type == "application/vnd.chapkit.dataframe+json" {
        (records(&content)?, "application/json".to_owned(), "json")
    } else {
        (content, content_type, "bin")
    };
    let disposition = format!("attachment; filename=artifact_{}.{extension}", row.id);
    Ok(([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

/// A stored frame as records JSON (`[{"column": value, ...}]`), as chapkit downloads it.
fn records(frame: &[u8]) -> Result<Vec<u8>, ApiError> {
    let frame: Value =
        serde_json::from_slice(frame).map_err(|e| ApiError::internal(format!("stored frame unreadable: {e}")))?;
    let columns = frame["columns"].as_array().cloned().unwrap_or_default();
    let rows = frame["data"].as_array().cloned().unwrap_or_default();
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let cells = row.as_array().map(Vec::as_slice).unwrap_or_default();
            Value::Object(
                columns
                    .iter()
                    .zip(cells)
                    .map(|(c, v)| (c.as_str().unwrap_or_default().to_owned(), v.clone()))
                    .collect(),
            )
        })
        .collect();
    Ok(Value::Array(records).to_string().into_bytes())
}
