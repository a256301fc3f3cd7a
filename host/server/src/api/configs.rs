//! `/api/v1/configs`: create, list (plain or paginated), get, replace, delete, `$schema`.

use super::body::{object, path_id, required, tags};
use super::offload::{offload, offload_json};
use super::openapi::{ById, Common, Conflicts, Id, WithBody};
use super::page::Page;
use super::wire::{self, Listing, Stats};
use super::{ApiError, AppState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use chapwasm_service::{ConfigError, ConfigInput, ConfigRow, LinkError, MAX_LISTED};
use serde_json::{Value, json};

/// The default model's config schema, with chapkit's reserved fields.
#[utoipa::path(get, path = "/api/v1/configs/$schema", tag = "configs", operation_id = "config_schema",
    responses((status = 200, description = "A JSON Schema", body = Object), Common))]
pub async fn schema(State(state): State<AppState>) -> Json<Value> {
    Json((*state.config_schema).clone())
}

/// The config as clients see it.
pub fn render(config: &ConfigRow) -> wire::Config {
    wire::Config::from(config)
}

/// A create/replace body, its wire shape checked (name, tags); the service checks the
/// rest (the component exists, the data is valid for its schema).
fn parse_body(body: &[u8]) -> Result<ConfigInput, ApiError> {
    let body = object(body)?;
    let name = required(&body, "name")?
        .as_str()
        .ok_or_else(|| ApiError::validation(&["body", "name"], "`name` must be a string"))?
        .to_owned();
    // Kept as text (PostgreSQL's cannot hold NUL); everything else of a config is JSON.
    if name.contains('\0') {
        return Err(ApiError::validation(&["body", "name"], "`name` must not contain NUL characters"));
    }
    let component_id = match body.get("component_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.contains('\0') => Some(id.clone()),
        Some(_) => {
            let message = "`component_id` must be a component's id (a string without NUL characters)";
            return Err(ApiError::validation(&["body", "component_id"], message));
        }
    };
    let tags = tags(&body)?;
    let data = body.get("data").cloned().unwrap_or(json!({}));
    Ok(ConfigInput { name, data, tags, component_id })
}

fn config_error(error: ConfigError) -> ApiError {
    match error {
        ConfigError::NotFound(_) | ConfigError::ComponentNotFound(_) => ApiError::not_found(error.to_string()),
        ConfigError::InvalidData { ref path, .. } => {
            let mut loc = vec!["body", "data"];
            loc.extend(path.iter().map(String::as_str));
            ApiError::validation(&loc, error.to_string())
        }
        ConfigError::Internal(message) => ApiError::internal(message),
        ConfigError::Store(e) => e.into(),
    }
}

#[utoipa::path(post, path = "/api/v1/configs", tag = "configs", operation_id = "create_config",
    request_body = super::openapi::ConfigBody,
    responses((status = 201, description = "Created", body = wire::Config,
               headers(("Location" = String, description = "The new config's URL"))),
              ById, WithBody, Common))]
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let input = offload(&state, move || parse_body(&body)).await??;
    let config = state.service.create_config(input).await.map_err(config_error)?;
    let location = format!("/api/v1/configs/{}", config.id);
    offload_json(&state, StatusCode::CREATED, vec![(header::LOCATION, location)], move || render(&config)).await
}

/// The newest 1000 configs; with both `page` and `size`, one page.
#[utoipa::path(get, path = "/api/v1/configs", tag = "configs", operation_id = "list_configs", params(Page),
    responses((status = 200, description = "The configs", body = Listing<wire::Config>), Common))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let page = super::body::query(page)?;
    let Some((page, size)) = page.requested()? else {
        let configs = state.service.configs(Some((0, MAX_LISTED))).await?;
        return offload_json(&state, StatusCode::OK, vec![], move || {
            Listing::All(configs.iter().map(render).collect())
        })
        .await;
    };
    let configs = state.service.configs(Some(Page::window((page, size)))).await?;
    let total = state.service.count_configs().await?;
    offload_json(&state, StatusCode::OK, vec![], move || {
        Page::render(configs.iter().map(render).collect(), total, page, size)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/configs/{id}", tag = "configs", operation_id = "get_config", params(Id),
    responses((status = 200, description = "The config", body = wire::Config), ById, Common))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let config = state.service.config(id).await?;
    let config = config.ok_or_else(|| ApiError::not_found(format!("Entity with id {id} not found")))?;
    offload_json(&state, StatusCode::OK, vec![], move || render(&config)).await
}

#[utoipa::path(put, path = "/api/v1/configs/{id}", tag = "configs", operation_id = "replace_config", params(Id),
    request_body = super::openapi::ConfigBody,
    responses((status = 200, description = "Replaced", body = wire::Config), ById, WithBody, Common))]
pub async fn update(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<Response, ApiError> {
    let id = path_id(&id)?.to_owned();
    let input = offload(&state, move || parse_body(&body)).await??;
    let config = state.service.replace_config(&id, input).await.map_err(config_error)?;
    offload_json(&state, StatusCode::OK, vec![], move || render(&config)).await
}

#[utoipa::path(delete, path = "/api/v1/configs/{id}", tag = "configs", operation_id = "delete_config", params(Id),
    responses((status = 204, description = "Deleted"), ById, Common))]
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.delete_config(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Entity with id {id} not found")))
    }
}

#[utoipa::path(get, path = "/api/v1/configs/$stats", tag = "configs", operation_id = "config_stats",
    responses((status = 200, description = "How many configs there are", body = Stats), Common))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(Stats { total: state.service.count_configs().await? }))
}

/// Root artifacts linked to the config (an unknown config has none, as in chapkit).
#[utoipa::path(get, path = "/api/v1/configs/{id}/$artifacts", tag = "configs", operation_id = "config_artifacts",
    params(Id), responses((status = 200, description = "Linked artifacts, without content",
                           body = Vec<wire::Artifact>), Common))]
pub async fn artifacts(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<wire::Artifact>>, ApiError> {
    let id = path_id(&id)?;
    let linked = state.service.config_artifacts(id).await?;
    Ok(Json(linked.iter().map(|a| super::render::artifact(a, false)).collect()))
}

/// `{artifact_id}` of a link/unlink body.
fn artifact_id(body: &[u8]) -> Result<String, ApiError> {
    super::body::ulid_field(&object(body)?, "artifact_id")
}

#[utoipa::path(post, path = "/api/v1/configs/{id}/$link-artifact", tag = "configs", operation_id = "link_artifact",
    params(Id), request_body = super::openapi::LinkBody,
    responses((status = 204, description = "Linked"), Conflicts, WithBody, Common))]
pub async fn link(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let artifact_id = artifact_id(&body)?;
    state.service.link_artifact(id, &artifact_id).await.map_err(|error| match error {
        LinkError::ArtifactNotFound(_) | LinkError::NotRoot { .. } => ApiError::bad_request(error.to_string()),
        LinkError::ConfigNotFound(_) | LinkError::AlreadyLinked(_) => ApiError::conflict(error.to_string()),
        LinkError::Store(e) => e.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/configs/{id}/$unlink-artifact", tag = "configs",
    operation_id = "unlink_artifact", params(Id), request_body = super::openapi::LinkBody,
    responses((status = 204, description = "Unlinked"), ById, WithBody, Common))]
pub async fn unlink(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let artifact_id = artifact_id(&body)?;
    if state.service.unlink_artifact(id, &artifact_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Artifact {artifact_id} is not linked to config {id}")))
    }
}
