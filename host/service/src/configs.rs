//! Config records: what may be stored as a config is decided here — the component it names
//! must exist, and its data is normalised and validated against that component's schema
//! (or the default model's) before anything is written. Deleting a config deletes the
//! artifact trees linked to it (one transaction, in the store).

use super::MlService;
use super::clock::{entity_time, new_id};
use super::config::ConfigValidator;
use chapwasm_store::{ArtifactRow, ConfigRow, LinkError, StoreError};
use serde_json::Value;

/// A config as a client describes it (the wire shape is checked by the caller).
#[derive(Debug, Clone)]
pub struct ConfigInput {
    pub name: String,
    pub data: Value,
    pub tags: Vec<String>,
    /// The uploaded component the config runs, by id or SHA-256 (`None`: the default).
    pub component_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Entity with id {0} not found")]
    NotFound(String),
    #[error("Component {0} not found")]
    ComponentNotFound(String),
    /// The data breaks the component's schema at `path`.
    #[error("config data at /{}: {message}", .path.join("/"))]
    InvalidData { path: Vec<String>, message: String },
    /// The component could not be loaded or its schema used (a server-side problem).
    #[error("{0}")]
    Internal(String),
    /// The database's own text stays in the server log (clients may be anyone).
    #[error("the service's database failed (the server log has the details)")]
    Store(#[from] StoreError),
}

impl MlService {
    pub async fn create_config(&self, input: ConfigInput) -> Result<ConfigRow, ConfigError> {
        let now = entity_time();
        let (name, data, tags, component_id) = self.checked_config(input).await?;
        let config =
            ConfigRow { id: new_id(), name, data, tags, created_at: now.clone(), updated_at: now, component_id };
        self.store.insert_config(&config).await?;
        Ok(config)
    }

    pub async fn replace_config(&self, id: &str, input: ConfigInput) -> Result<ConfigRow, ConfigError> {
        let existing = self.store.get_config(id).await?.ok_or_else(|| ConfigError::NotFound(id.to_owned()))?;
        let (name, data, tags, component_id) = self.checked_config(input).await?;
        let config = ConfigRow { name, data, tags, component_id, updated_at: entity_time(), ..existing };
        match self.store.update_config(&config).await? {
            true => Ok(config),
            false => Err(ConfigError::NotFound(id.to_owned())),
        }
    }

    /// The config's fields as stored: its component resolved to an id, its data
    /// normalised and valid for that component.
    async fn checked_config(
        &self,
        input: ConfigInput,
    ) -> Result<(String, String, String, Option<String>), ConfigError> {
        let component_id = match input.component_id {
            None => None,
            Some(id) => {
                let found = self.store.find_component(&id).await?;
                Some(found.ok_or(ConfigError::ComponentNotFound(id))?.id)
            }
        };
        let model =
            self.component_for(component_id.as_deref()).await.map_err(|e| ConfigError::Internal(e.to_string()))?;
        // Compiling a schema (up to 1 MiB) and validating against it is CPU work: off the
        // reactor.
        let schema = model.description().config_schema.clone();
        let data = tokio::task::spawn_blocking(move || {
            let validator = ConfigValidator::new(&schema).map_err(ConfigError::Internal)?;
            validator
                .normalize(input.data)
                .map_err(|invalid| ConfigError::InvalidData { path: invalid.path, message: invalid.message })
        })
        .await
        .map_err(|e| ConfigError::Internal(format!("validating the config was aborted: {e}")))??;
        let tags = serde_json::to_string(&input.tags).expect("tags serialise");
        Ok((input.name, data.to_string(), tags, component_id))
    }

    pub async fn config(&self, id: &str) -> Result<Option<ConfigRow>, StoreError> {
        self.store.get_config(id).await
    }

    /// Configs in creation order; `page` is `(offset, limit)`.
    pub async fn configs(&self, page: Option<(i64, i64)>) -> Result<Vec<ConfigRow>, StoreError> {
        self.store.list_configs(page).await
    }

    pub async fn count_configs(&self) -> Result<i64, StoreError> {
        self.store.count_configs().await
    }

    /// Deletes a config and the artifact trees linked to it; false if unknown.
    pub async fn delete_config(&self, id: &str) -> Result<bool, StoreError> {
        self.store.delete_config(id).await
    }

    /// The root artifacts linked to a config.
    pub async fn config_artifacts(&self, id: &str) -> Result<Vec<ArtifactRow>, StoreError> {
        self.store.config_artifacts(id).await
    }

    pub async fn link_artifact(&self, config_id: &str, artifact_id: &str) -> Result<(), LinkError> {
        self.store.link_artifact(config_id, artifact_id).await
    }

    pub async fn unlink_artifact(&self, config_id: &str, artifact_id: &str) -> Result<bool, StoreError> {
        self.store.unlink_artifact(config_id, artifact_id).await
    }
}
