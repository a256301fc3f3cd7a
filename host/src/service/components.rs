//! The component registry: uploads are validated by compiling, linking and describing them
//! (the runtime's checks), stored by SHA-256 (the same bytes twice give the same record),
//! and compiled once per process.

use super::MlService;
use super::clock::{entity_time, new_id};
use super::config::ConfigValidator;
use crate::runtime::{LimitError, LimitOverrides, ModelComponent, RuntimeError, SandboxLimits};
use crate::store::{ComponentRow, StoreError};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Largest component accepted.
pub const MAX_COMPONENT_BYTES: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("Component {0} not found")]
    NotFound(String),
    #[error("the component is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Limits(#[from] LimitError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MlService {
    /// The model a config runs: its uploaded component, or the service's default. Either
    /// runs under the component's own limits when its record has overrides.
    pub async fn component_for(&self, component_id: Option<&str>) -> Result<Arc<ModelComponent>, RegisterError> {
        let row = self.store.find_component(component_id.unwrap_or(self.model.sha256())).await?;
        let row = match (row, component_id) {
            (Some(row), _) => row,
            (None, None) => return Ok(self.model.clone()),
            (None, Some(id)) => return Err(RegisterError::NotFound(id.to_owned())),
        };
        let limits = self.limits_of(&row)?;
        let model = if row.sha256 == self.model.sha256() {
            self.model.clone()
        } else {
            let wasm =
                self.store.component_wasm(&row.id).await?.ok_or_else(|| RegisterError::NotFound(row.id.clone()))?;
            let runtime = self.runtime.clone();
            // Compiled once per process: the runtime caches by content hash.
            tokio::task::spawn_blocking(move || runtime.load(&wasm))
                .await
                .map_err(|e| RegisterError::Invalid(format!("loading the component was aborted: {e}")))?
                .map_err(|e| RegisterError::Invalid(e.to_string()))?
        };
        Ok(if *model.limits() == limits { model } else { Arc::new(model.with_limits(limits)) })
    }

    /// The model that produced an artifact, by the component hash its record names.
    pub(super) async fn component_by_sha(&self, sha256: &str) -> Result<Arc<ModelComponent>, RegisterError> {
        self.component_for((sha256 != self.model.sha256()).then_some(sha256)).await
    }

    /// The limits a component's calls run under: the service's, tightened by its overrides.
    pub fn limits_of(&self, row: &ComponentRow) -> Result<SandboxLimits, RegisterError> {
        let overrides: LimitOverrides = serde_json::from_str(&row.limits).map_err(|e| {
            RegisterError::Invalid(format!("stored limits of component {} are unreadable: {e}", row.id))
        })?;
        Ok(self.runtime.limits().tightened(&overrides)?)
    }

    /// Replaces a component's limit overrides (checked against the service's limits).
    pub async fn set_component_limits(
        &self,
        id: &str,
        overrides: &LimitOverrides,
    ) -> Result<ComponentRow, RegisterError> {
        self.runtime.limits().tightened(overrides)?;
        let row = self.store.find_component(id).await?.ok_or_else(|| RegisterError::NotFound(id.to_owned()))?;
        let limits = serde_json::to_string(overrides).expect("overrides serialise");
        self.store.set_component_limits(&row.id, &limits).await?;
        Ok(ComponentRow { limits, ..row })
    }

    /// Validates and stores a component; returns its record and whether it is new. Limit
    /// overrides given with bytes already stored replace that component's overrides.
    pub async fn register_component(
        &self,
        wasm: &[u8],
        overrides: &LimitOverrides,
    ) -> Result<(ComponentRow, bool), RegisterError> {
        if wasm.len() > MAX_COMPONENT_BYTES {
            return Err(RegisterError::TooLarge { size: wasm.len(), limit: MAX_COMPONENT_BYTES });
        }
        self.runtime.limits().tightened(overrides)?;
        let sha256: String = Sha256::digest(wasm).iter().map(|b| format!("{b:02x}")).collect();
        if let Some(existing) = self.store.find_component(&sha256).await? {
            if *overrides == LimitOverrides::default() {
                return Ok((existing, false));
            }
            return Ok((self.set_component_limits(&existing.id, overrides).await?, false));
        }
        let runtime = self.runtime.clone();
        let bytes = wasm.to_vec();
        let loaded = tokio::task::spawn_blocking(move || runtime.load(&bytes))
            .await
            .map_err(|e| RegisterError::Invalid(format!("compiling the component was aborted: {e}")))?;
        let model = loaded.map_err(|e| match e {
            RuntimeError::InvalidComponent(message) => RegisterError::Invalid(message),
            other => RegisterError::Invalid(other.to_string()),
        })?;
        let description = model.description();
        ConfigValidator::new(&description.config_schema)
            .map_err(|e| RegisterError::Invalid(format!("describe() returned an invalid config schema: {e}")))?;
        let row = ComponentRow {
            id: new_id(),
            sha256,
            name: description.name.clone(),
            version: description.version.clone(),
            size_bytes: wasm.len() as i64,
            description: serde_json::to_string(description).expect("description serialises"),
            limits: serde_json::to_string(overrides).expect("overrides serialise"),
            created_at: entity_time(),
        };
        self.store.insert_component(&row, wasm).await?;
        Ok((row, true))
    }
}
