//! `/api/v1/artifacts`: create, replace, delete, list (without content; paginated on
//! request), get (ML artifacts rendered in the
//! generation of the request that created them), `$tree`, `$expand`, `$config`,
//! `$metadata` and `$download` (the only way model bytes leave the server).

use super::body::{object, path_id, required, ulid_field};
use super::configs;
use super::page::Page;
use super::render::{artifact, metadata};
use super::{ApiError, AppState};
use crate::service::clock::{entity_time, new_id};
use crate::store::{ArtifactChangeError, ArtifactRow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Level labels of the ML hierarchy, as chapkit's `ArtifactHierarchy(name="ml", ...)`.
const HIERARCHY: &str = "ml";
const LEVEL_LABELS: [&str; 2] = ["trained_model", "predictions"];

/// Artifacts without content; with both `page` and `size`, a page object.
pub async fn list(State(state): State<AppState>, Query(page): Query<Page>) -> Result<Json<Value>, ApiError> {
    let store = state.service.store();
    let Some((page, size)) = page.requested()? else {
        let artifacts = store.list_artifacts(None).await?;
        return Ok(Json(Value::Array(artifacts.iter().map(|a| artifact(a, false)).collect())));
    };
    let artifacts = store.list_artifacts(Some(((page - 1) * size, size))).await?;
    let items = artifacts.iter().map(|a| artifact(a, false)).collect();
    Ok(Json(Page::render(items, store.count_artifacts().await?, page, size)))
}

/// `{data, parent_id?, tags?}` of a create or replace body.
fn parse_body(body: &[u8]) -> Result<(String, Option<String>, String), ApiError> {
    let body = object(body)?;
    let data = required(&body, "data")?.to_string();
    let parent_id = match body.get("parent_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(ulid_field(&body, "parent_id")?),
    };
    let tags = body.get("tags").cloned().unwrap_or(json!([]));
    if !tags.as_array().is_some_and(|t| t.iter().all(Value::is_string)) {
        return Err(ApiError::validation(&["body", "tags"], "`tags` must be a list of strings"));
    }
    Ok((data, parent_id, tags.to_string()))
}

fn change_error(error: ArtifactChangeError) -> ApiError {
    match error {
        ArtifactChangeError::NotFound(id) => ApiError::not_found(format!("Artifact with id {id} not found")),
        ArtifactChangeError::ParentNotFound(_) => ApiError::conflict(error.to_string()),
        ArtifactChangeError::OwnParent | ArtifactChangeError::Cycle(_) => ApiError::bad_request(error.to_string()),
        ArtifactChangeError::Store(e) => e.into(),
    }
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let (data, parent_id, tags) = parse_body(&body)?;
    let now = entity_time();
    let mut row = ArtifactRow {
        id: new_id(),
        parent_id,
        level: 0,
        data,
        content: None,
        content_type: None,
        tags,
        created_at: now.clone(),
        updated_at: now,
    };
    state.service.store().insert_artifact(&mut row).await.map_err(change_error)?;
    let location = format!("/api/v1/artifacts/{}", row.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(artifact(&row, true))).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut row = find_summary(&state, &id).await?;
    let (data, parent_id, tags) = parse_body(&body)?;
    if serde_json::from_str::<crate::service::MlRecord>(&row.data).is_ok() {
        return Err(ApiError::bad_request("ML artifacts are written by jobs and cannot be replaced"));
    }
    (row.data, row.parent_id, row.tags, row.updated_at) = (data, parent_id, tags, entity_time());
    state.service.store().update_artifact(&mut row).await.map_err(change_error)?;
    Ok(Json(artifact(&row, true)))
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.store().delete_artifact(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Artifact with id {id} not found")))
    }
}

/// The artifact without its content: for everything that does not serve the bytes.
async fn find_summary(state: &AppState, id: &str) -> Result<ArtifactRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.store().get_artifact_summary(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Artifact with id {id} not found")))
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
    let root = find_summary(&state, &id).await?;
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
    let row = find_summary(&state, &id).await?;
    let mut node = artifact(&row, false);
    node["level_label"] = json!(LEVEL_LABELS.get(row.level as usize));
    node["hierarchy"] = json!(HIERARCHY);
    node["children"] = Value::Null;
    Ok(Json(node))
}

pub async fn config(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let mut row = find_summary(&state, &id).await?;
    let store = state.service.store();
    while let Some(parent) = row.parent_id.clone() {
        match store.get_artifact_summary(&parent).await? {
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
    Ok(Json(metadata(&find_summary(&state, &id).await?)))
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
