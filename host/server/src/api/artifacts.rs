//! `/api/v1/artifacts`: create, replace, delete, list (without content; paginated on
//! request), get (ML artifacts rendered in the
//! generation of the request that created them), `$tree`, `$expand`, `$config`,
//! `$metadata` and `$download` (the only way model bytes leave the server).

use super::body::{object, path_id, required, tags, ulid_field};
use super::configs;
use super::offload::{offload, offload_json};
use super::page::Page;
use super::render::{artifact, metadata};
use super::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chapwasm_service::{ArtifactChangeError, ArtifactError, ArtifactInput, ArtifactRow, ArtifactTree, MAX_LISTED};
use serde_json::{Value, json};

/// Level labels of the ML hierarchy, as chapkit's `ArtifactHierarchy(name="ml", ...)`.
const HIERARCHY: &str = "ml";
const LEVEL_LABELS: [&str; 2] = ["trained_model", "predictions"];

/// Artifacts without content; with both `page` and `size`, a page object.
pub async fn list(State(state): State<AppState>, Query(page): Query<Page>) -> Result<Json<Value>, ApiError> {
    let Some((page, size)) = page.requested()? else {
        let artifacts = state.service.artifacts(Some((0, MAX_LISTED))).await?;
        return Ok(Json(Value::Array(artifacts.iter().map(|a| artifact(a, false)).collect())));
    };
    let artifacts = state.service.artifacts(Some(Page::window((page, size)))).await?;
    let items = artifacts.iter().map(|a| artifact(a, false)).collect();
    Ok(Json(Page::render(items, state.service.count_artifacts().await?, page, size)))
}

/// `{data, parent_id?, tags?}` of a create or replace body.
fn parse_body(body: &[u8]) -> Result<ArtifactInput, ApiError> {
    let body = object(body)?;
    let data = required(&body, "data")?.to_string();
    let parent_id = match body.get("parent_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(ulid_field(&body, "parent_id")?),
    };
    let tags = tags(&body)?;
    Ok(ArtifactInput { data, parent_id, tags })
}

fn change_error(error: ArtifactError) -> ApiError {
    let error = match error {
        ArtifactError::WrittenByJobs => return ApiError::bad_request(error.to_string()),
        ArtifactError::TreeTooLarge => return ApiError::validation(&["path", "id"], error.to_string()),
        ArtifactError::Change(error) => error,
    };
    match error {
        ArtifactChangeError::NotFound(id) => ApiError::not_found(format!("Artifact with id {id} not found")),
        ArtifactChangeError::ParentNotFound(_) => ApiError::conflict(error.to_string()),
        ArtifactChangeError::OwnParent | ArtifactChangeError::Cycle(_) => ApiError::bad_request(error.to_string()),
        ArtifactChangeError::TooDeep => ApiError::validation(&["body", "parent_id"], error.to_string()),
        ArtifactChangeError::Store(e) => e.into(),
    }
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let input = offload(&state, move || parse_body(&body)).await??;
    let row = state.service.create_artifact(input).await.map_err(change_error)?;
    let location = format!("/api/v1/artifacts/{}", row.id);
    offload_json(&state, StatusCode::CREATED, vec![(header::LOCATION, location)], move || artifact(&row, true)).await
}

pub async fn update(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<Response, ApiError> {
    let id = path_id(&id)?.to_owned();
    let input = offload(&state, move || parse_body(&body)).await??;
    let row = state.service.replace_artifact(&id, input).await.map_err(change_error)?;
    offload_json(&state, StatusCode::OK, vec![], move || artifact(&row, true)).await
}

/// `$stats`: how many artifacts there are (as configs' `$stats`).
pub async fn stats(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"total": state.service.count_artifacts().await?})))
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.delete_artifact(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Artifact with id {id} not found")))
    }
}

/// The artifact without its content: for everything that does not serve the bytes.
async fn find_summary(state: &AppState, id: &str) -> Result<ArtifactRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.artifact_summary(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Artifact with id {id} not found")))
}

async fn find(state: &AppState, id: &str) -> Result<ArtifactRow, ApiError> {
    let id = path_id(id)?;
    let found = state.service.artifact(id).await?;
    found.ok_or_else(|| ApiError::not_found(format!("Artifact with id {id} not found")))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = find(&state, &id).await?;
    // A prediction's content is a whole frame (tens of MB for 100k rows): off the reactor.
    offload_json(&state, StatusCode::OK, vec![], move || artifact(&row, true)).await
}

pub async fn tree(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let root = find_summary(&state, &id).await?;
    let tree = state.service.artifact_tree(root).await.map_err(change_error)?;
    Ok(Json(nest(tree)))
}

/// Nests a breadth-first tree into `{…, children: [...]}` objects, contents stripped,
/// from the leaves up (no recursion: a deep tree costs no stack).
fn nest(tree: ArtifactTree) -> Value {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); tree.len()];
    for (index, (_, parent)) in tree.iter().enumerate() {
        if let Some(parent) = parent {
            children[*parent].push(index);
        }
    }
    let mut nodes: Vec<Value> = tree.iter().map(|(row, _)| artifact(row, false)).collect();
    // Breadth first: every child comes after its parent, so it is complete by then.
    for index in (0..nodes.len()).rev() {
        let kids = std::mem::take(&mut children[index]).into_iter().map(|k| std::mem::take(&mut nodes[k])).collect();
        nodes[index]["children"] = Value::Array(kids);
    }
    nodes.swap_remove(0)
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
    let row = find_summary(&state, &id).await?;
    let config = state.service.config_of_artifact(row).await?;
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
        (offload(&state, move || records(&content)).await??, "application/json".to_owned(), "json")
    } else {
        (content, content_type, "bin")
    };
    let disposition = super::disposition::attachment(&format!("artifact_{}.{extension}", row.id));
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
