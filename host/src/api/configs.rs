//! `/api/v1/configs`: create, list (plain or paginated), get, replace, delete, `$schema`.

use super::body::{object, path_id, required};
use super::page::Page;
use super::{ApiError, AppState};
use crate::service::clock::{entity_time, new_id};
use crate::service::config::ConfigValidator;
use crate::store::{ConfigRow, LinkError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn schema(State(state): State<AppState>) -> Json<Value> {
    Json((*state.config_schema).clone())
}

/// The config as clients see it.
pub fn render(config: &ConfigRow) -> Value {
    json!({
        "id": config.id,
        "created_at": config.created_at,
        "updated_at": config.updated_at,
        "tags": serde_json::from_str::<Value>(&config.tags).unwrap_or(json!([])),
        "name": config.name,
        "data": serde_json::from_str::<Value>(&config.data).unwrap_or(Value::Null),
        "component_id": config.component_id,
    })
}

/// What a create/replace body says, checked.
struct ConfigBody {
    name: String,
    data: String,
    tags: String,
    component_id: Option<String>,
}

/// Name, data normalised and validated against the schema of the config's component (the
/// uploaded one it names by id or SHA-256, or the service's default), and tags.
async fn parse_body(state: &AppState, body: Bytes) -> Result<ConfigBody, ApiError> {
    let body = object(&body)?;
    let name = required(&body, "name")?
        .as_str()
        .ok_or_else(|| ApiError::validation(&["body", "name"], "`name` must be a string"))?
        .to_owned();
    let component_id = match body.get("component_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => {
            let found = state.service.store().find_component(id).await?;
            let found = found.ok_or_else(|| ApiError::not_found(format!("Component {id} not found")))?;
            Some(found.id)
        }
        Some(_) => return Err(ApiError::validation(&["body", "component_id"], "`component_id` must be a string")),
    };
    let model =
        state.service.component_for(component_id.as_deref()).await.map_err(|e| ApiError::internal(e.to_string()))?;
    let validator = ConfigValidator::new(&model.description().config_schema).map_err(ApiError::internal)?;
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let data = validator.normalize(data).map_err(|invalid| {
        let mut loc = vec!["body", "data"];
        loc.extend(invalid.path.iter().map(String::as_str));
        ApiError::validation(&loc, format!("config data at /{}: {}", invalid.path.join("/"), invalid.message))
    })?;
    let tags = body.get("tags").cloned().unwrap_or(json!([]));
    if !tags.as_array().is_some_and(|t| t.iter().all(Value::is_string)) {
        return Err(ApiError::validation(&["body", "tags"], "`tags` must be a list of strings"));
    }
    Ok(ConfigBody { name, data: data.to_string(), tags: tags.to_string(), component_id })
}

pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let ConfigBody { name, data, tags, component_id } = parse_body(&state, body).await?;
    let now = entity_time();
    let config = ConfigRow { id: new_id(), name, data, tags, created_at: now.clone(), updated_at: now, component_id };
    state.service.store().insert_config(&config).await?;
    let location = format!("/api/v1/configs/{}", config.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(render(&config))).into_response())
}

pub async fn list(State(state): State<AppState>, Query(page): Query<Page>) -> Result<Json<Value>, ApiError> {
    let store = state.service.store();
    let Some((page, size)) = page.requested()? else {
        let configs = store.list_configs(None).await?;
        return Ok(Json(Value::Array(configs.iter().map(render).collect())));
    };
    let configs = store.list_configs(Some(((page - 1) * size, size))).await?;
    let items = configs.iter().map(render).collect();
    Ok(Json(Page::render(items, store.count_configs().await?, page, size)))
}

pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let config = state.service.store().get_config(id).await?;
    config.map(|c| Json(render(&c))).ok_or_else(|| ApiError::not_found(format!("Entity with id {id} not found")))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let store = state.service.store();
    let existing =
        store.get_config(id).await?.ok_or_else(|| ApiError::not_found(format!("Entity with id {id} not found")))?;
    let ConfigBody { name, data, tags, component_id } = parse_body(&state, body).await?;
    let config = ConfigRow { name, data, tags, component_id, updated_at: entity_time(), ..existing };
    store.update_config(&config).await?;
    Ok(Json(render(&config)))
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    if state.service.store().delete_config(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Entity with id {id} not found")))
    }
}

pub async fn stats(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"total": state.service.store().count_configs().await?})))
}

/// Root artifacts linked to the config (an unknown config has none, as in chapkit).
pub async fn artifacts(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let linked = state.service.store().config_artifacts(id).await?;
    Ok(Json(Value::Array(linked.iter().map(|a| super::render::artifact(a, false)).collect())))
}

/// `{artifact_id}` of a link/unlink body.
fn artifact_id(body: &[u8]) -> Result<String, ApiError> {
    super::body::ulid_field(&object(body)?, "artifact_id")
}

pub async fn link(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let artifact_id = artifact_id(&body)?;
    state.service.store().link_artifact(id, &artifact_id).await.map_err(|error| match error {
        LinkError::ArtifactNotFound(_) | LinkError::NotRoot { .. } => ApiError::bad_request(error.to_string()),
        LinkError::ConfigNotFound(_) | LinkError::AlreadyLinked(_) => ApiError::conflict(error.to_string()),
        LinkError::Store(e) => e.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unlink(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id)?;
    let artifact_id = artifact_id(&body)?;
    if state.service.store().unlink_artifact(id, &artifact_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("Artifact {artifact_id} is not linked to config {id}")))
    }
}
