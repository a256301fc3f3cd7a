//! `/api/v1/artifacts`: create, replace, delete, list (without content; paginated on
//! request), get (ML artifacts rendered in the
//! generation of the request that created them), `$tree`, `$expand`, `$config`,
//! `$metadata` and `$download` (the only way model bytes leave the server).

use super::body::{object, path_id, required, tags, ulid_field};
use super::configs;
use super::offload::{offload, offload_json};
use super::openapi::{ById, Common, Conflicts, Id, WithBody};
use super::page::Page;
use super::render::{artifact, metadata};
use super::wire::{self, ArtifactExpanded, ArtifactNode, Listing, Stats};
use super::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chapwasm_service::{ArtifactChangeError, ArtifactError, ArtifactInput, ArtifactRow, ArtifactTree, MAX_LISTED};
use serde_json::Value;

/// Level labels of the ML hierarchy, as chapkit's `ArtifactHierarchy(name="ml", ...)`.
const HIERARCHY: &str = "ml";
const LEVEL_LABELS: [&str; 2] = ["trained_model", "predictions"];

/// Artifacts without content; with both `page` and `size`, a page object.
#[utoipa::path(get, path = "/api/v1/artifacts", tag = "artifacts", operation_id = "list_artifacts", params(Page),
    responses((status = 200, description = "The newest 1000 artifacts, or one page, without content",
               body = Listing<wire::Artifact>), Common))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Listing<wire::Artifact>>, ApiError> {
    let page = super::body::query(page)?;
    let Some((page, size)) = page.requested()? else {
        let artifacts = state.service.artifacts(Some((0, MAX_LISTED))).await?;
        return Ok(Json(Listing::All(artifacts.iter().map(|a| artifact(a, false)).collect())));
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

#[utoipa::path(post, path = "/api/v1/artifacts", tag = "artifacts", operation_id = "create_artifact",
    request_body = super::openapi::ArtifactBody,
    responses((status = 201, description = "Created", body = wire::Artifact,
               headers(("Location" = String, description = "The new artifact's URL"))),
              Conflicts, WithBody, Common))]
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let input = offload(&state, move || parse_body(&body)).await??;
    let row = state.service.create_artifact(input).await.map_err(change_error)?;
    let location = format!("/api/v1/artifacts/{}", row.id);
    offload_json(&state, StatusCode::CREATED, vec![(header::LOCATION, location)], move || artifact(&row, true)).await
}

#[utoipa::path(put, path = "/api/v1/artifacts/{id}", tag = "artifacts", operation_id = "replace_artifact",
    params(Id), request_body = super::openapi::ArtifactBody,
    responses((status = 200, description = "Replaced", body = wire::Artifact), ById, Conflicts, WithBody, Common))]
pub async fn update(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<Response, ApiError> {
    let id = path_id(&id)?.to_owned();
    let input = offload(&state, move || parse_body(&body)).await??;
    let row = state.service.replace_artifact(&id, input).await.map_err(change_error)?;
    offload_json(&state, StatusCode::OK, vec![], move || artifact(&row, true)).await
}

/// `$stats`: how many artifacts there are (as configs' `$stats`).
#[utoipa::path(get, path = "/api/v1/artifacts/$stats", tag = "artifacts", operation_id = "artifact_stats",
    responses((status = 200, description = "How many artifacts there are", body = Stats), Common))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(Stats { total: state.service.count_artifacts().await? }))
}

/// `$schema`: the JSON Schema of an artifact (chapkit serves its model's).
#[utoipa::path(get, path = "/api/v1/artifacts/$schema", tag = "artifacts", operation_id = "artifact_schema",
    responses((status = 200, description = "A JSON Schema", body = Object), Common))]
pub async fn schema() -> Json<Value> {
    Json(super::openapi::schema_of::<wire::Artifact>("ArtifactOut"))
}

#[utoipa::path(delete, path = "/api/v1/artifacts/{id}", tag = "artifacts", operation_id = "delete_artifact",
    params(Id), responses((status = 204, description = "Deleted, with everything under it"), ById, Common))]
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

#[utoipa::path(get, path = "/api/v1/artifacts/{id}", tag = "artifacts", operation_id = "get_artifact", params(Id),
    responses((status = 200, description = "The artifact, with its content (a model only as a link to \
               `$download`)", body = wire::Artifact), ById, Common))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = find(&state, &id).await?;
    // A prediction's content is a whole frame (tens of MB for 100k rows): off the reactor.
    offload_json(&state, StatusCode::OK, vec![], move || artifact(&row, true)).await
}

#[utoipa::path(get, path = "/api/v1/artifacts/{id}/$tree", tag = "artifacts", operation_id = "artifact_tree",
    params(Id), responses((status = 200, description = "The artifact and everything under it, without content",
                           body = ArtifactNode), ById, Common))]
pub async fn tree(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ArtifactNode>, ApiError> {
    let root = find_summary(&state, &id).await?;
    let tree = state.service.artifact_tree(root).await.map_err(change_error)?;
    nest(tree).map(Json).ok_or_else(|| ApiError::internal("an artifact tree without its root"))
}

/// Nests a breadth-first tree into `{…, children: [...]}` nodes, contents stripped, from
/// the leaves up (no recursion: a deep tree costs no stack).
fn nest(tree: ArtifactTree) -> Option<ArtifactNode> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); tree.len()];
    for (index, (_, parent)) in tree.iter().enumerate() {
        if let Some(parent) = parent {
            children[*parent].push(index);
        }
    }
    let mut nodes: Vec<Option<ArtifactNode>> =
        tree.iter().map(|(row, _)| Some(ArtifactNode { artifact: artifact(row, false), children: vec![] })).collect();
    // Breadth first: every child comes after its parent, so it is complete by then.
    for index in (0..nodes.len()).rev() {
        let kids = std::mem::take(&mut children[index]).into_iter().filter_map(|k| nodes[k].take()).collect();
        if let Some(node) = &mut nodes[index] {
            node.children = kids;
        }
    }
    nodes.into_iter().next().flatten()
}

#[utoipa::path(get, path = "/api/v1/artifacts/{id}/$expand", tag = "artifacts", operation_id = "expand_artifact",
    params(Id), responses((status = 200, description = "The artifact and its place in the ML hierarchy",
                           body = ArtifactExpanded), ById, Common))]
pub async fn expand(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ArtifactExpanded>, ApiError> {
    let row = find_summary(&state, &id).await?;
    Ok(Json(ArtifactExpanded {
        level_label: LEVEL_LABELS.get(row.level as usize).map(|label| label.to_string()),
        artifact: artifact(&row, false),
        hierarchy: HIERARCHY.to_owned(),
        children: None,
    }))
}

#[utoipa::path(get, path = "/api/v1/artifacts/{id}/$config", tag = "artifacts", operation_id = "artifact_config",
    params(Id), responses((status = 200, description = "The config linked to the artifact's root",
                           body = wire::Config), ById, Common))]
pub async fn config(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<wire::Config>, ApiError> {
    let row = find_summary(&state, &id).await?;
    let config = state.service.config_of_artifact(row).await?;
    config
        .map(|c| Json(configs::render(&c)))
        .ok_or_else(|| ApiError::not_found(format!("No config linked to artifact {id}")))
}

#[utoipa::path(get, path = "/api/v1/artifacts/{id}/$metadata", tag = "artifacts", operation_id = "artifact_metadata",
    params(Id), responses((status = 200, description = "An ML artifact's metadata (status, times, log, \
                           hashes), or a client artifact's `data.metadata`", body = Object), ById, Common))]
pub async fn metadata_of(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(metadata(&find_summary(&state, &id).await?)))
}

#[utoipa::path(get, path = "/api/v1/artifacts/{id}/$download", tag = "artifacts", operation_id = "download_artifact",
    params(Id), responses((status = 200, description = "The content: a model's bytes, or a prediction as \
                           records JSON", content(
                               (super::openapi::Binary = "application/x-chapwasm-model"),
                               (Vec<Object> = "application/json"))), ById, Common))]
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
