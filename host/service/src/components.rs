//! The component registry: uploads are validated by compiling, linking and describing them
//! (the runtime's checks), stored by SHA-256 (the same bytes twice give the same record),
//! and compiled once per process. Loading goes through [`MlService::load_component`], which
//! hands the runtime the digest recorded for the component's precompiled code and records
//! the digest of code it writes, so native code from the disk cache is always verified.

use super::MlService;
use super::clock::{entity_time, new_id};
use super::config::ConfigValidator;
use chapwasm_runtime::{
    LimitError, LimitOverrides, ModelComponent, ModelDescription, Runtime, RuntimeError, SandboxLimits, sha256_hex,
};
use chapwasm_store::{ComponentDeletion, ComponentRow, Store, StoreError};
use std::sync::Arc;

/// Largest component accepted.
pub const MAX_COMPONENT_BYTES: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("Component {0} not found")]
    NotFound(String),
    #[error("the component is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// The bytes are not a working model, or could not be loaded within the limits.
    #[error("{0}")]
    Invalid(String),
    /// The host could not load the component (not the component's fault).
    #[error("{0}")]
    Internal(String),
    #[error("Component {id} is in use: {}", in_use(*.configs, .models, .jobs))]
    InUse { id: String, configs: i64, models: Vec<String>, jobs: Vec<String> },
    #[error(
        "Component {0} is the service's default model: it runs under the operator's limits (the flags of \
         `chapwasm serve`), and cannot be deleted or given limits of its own"
    )]
    Default(String),
    #[error(transparent)]
    Limits(#[from] LimitError),
    /// Shown to clients, who may be anyone: the database's own text (which can name hosts,
    /// users and paths) stays in the server log.
    #[error("the service's database failed (the server log has the details)")]
    Store(#[from] StoreError),
}

/// "2 config(s) name it, and trained models A, B need it to predict; …".
fn in_use(configs: i64, models: &[String], jobs: &[String]) -> String {
    let mut parts = Vec::new();
    if configs > 0 {
        parts.push(format!("{configs} config(s) name it"));
    }
    if !models.is_empty() {
        parts.push(format!("trained models {} need it to predict", models.join(", ")));
    }
    if !jobs.is_empty() {
        parts.push(format!("jobs {} will run it", jobs.join(", ")));
    }
    format!("{}; delete them (or re-point the configs) first", parts.join(", and "))
}

/// The registry row of a component that described itself as `description`.
fn component_row(sha256: String, size_bytes: i64, description: &ModelDescription, limits: String) -> ComponentRow {
    ComponentRow {
        id: new_id(),
        sha256,
        name: description.name.clone(),
        version: description.version.clone(),
        size_bytes,
        description: serde_json::to_string(description).expect("description serialises"),
        limits,
        created_at: entity_time(),
    }
}

/// Registers the service's default model like an upload (once per SHA-256), so models
/// trained with it keep their code under a later build or another default.
pub(crate) async fn register_default(store: &Store, model: &ModelComponent, wasm: &[u8]) -> Result<(), StoreError> {
    if store.find_component(model.sha256()).await?.is_some() {
        return Ok(());
    }
    let row = component_row(model.sha256().to_owned(), wasm.len() as i64, model.description(), "{}".into());
    match store.insert_component(&row, wasm).await {
        // Another replica starting with the same default got there first.
        Err(_) if store.find_component(model.sha256()).await?.is_some() => Ok(()),
        other => other,
    }
}

impl MlService {
    /// The model a config runs: its uploaded component, under its own limits when its
    /// record has overrides, or the service's default, which is loaded already and runs
    /// under the operator's limits whatever its record says, so it is not read (every job
    /// of the default model read it).
    pub async fn component_for(&self, component_id: Option<&str>) -> Result<ModelComponent, RegisterError> {
        let Some(id) = component_id else { return Ok(self.model.clone()) };
        let row = self.store.find_component(id).await?.ok_or_else(|| RegisterError::NotFound(id.to_owned()))?;
        let limits = self.limits_of(&row)?;
        let model = if row.sha256 == self.model.sha256() {
            self.model.clone()
        } else {
            let wasm =
                self.store.component_wasm(&row.id).await?.ok_or_else(|| RegisterError::NotFound(row.id.clone()))?;
            // Compiled once per process: the runtime keeps loaded components by hash.
            load_component(&self.store, &self.runtime, wasm.into(), row.sha256.clone()).await?
        };
        Ok(if *model.limits() == limits { model } else { model.with_limits(limits) })
    }

    /// The model that produced an artifact, by the component hash its record names.
    pub(super) async fn component_by_sha(&self, sha256: &str) -> Result<ModelComponent, RegisterError> {
        self.component_for((sha256 != self.model.sha256()).then_some(sha256)).await
    }

    /// The limits a component's calls run under: the service's, tightened by its overrides.
    /// The default model's are the operator's, whatever its record says.
    pub fn limits_of(&self, row: &ComponentRow) -> Result<SandboxLimits, RegisterError> {
        if row.sha256 == self.model.sha256() {
            return Ok(*self.runtime.limits());
        }
        let overrides: LimitOverrides = serde_json::from_str(&row.limits).map_err(|e| {
            RegisterError::Invalid(format!("stored limits of component {} are unreadable: {e}", row.id))
        })?;
        Ok(self.runtime.limits().tightened(&overrides)?)
    }

    /// Replaces a component's limit overrides (checked against the service's limits; an
    /// admin operation). The default model takes none.
    pub async fn set_component_limits(
        &self,
        id: &str,
        overrides: &LimitOverrides,
    ) -> Result<ComponentRow, RegisterError> {
        self.runtime.limits().tightened(overrides)?;
        let row = self.store.find_component(id).await?.ok_or_else(|| RegisterError::NotFound(id.to_owned()))?;
        if row.sha256 == self.model.sha256() {
            return Err(RegisterError::Default(row.id));
        }
        let limits = serde_json::to_string(overrides).expect("overrides serialise");
        self.store.set_component_limits(&row.id, &limits).await?;
        Ok(ComponentRow { limits, ..row })
    }

    /// Validates and stores a component; returns its record and whether it is new. Limit
    /// overrides given with bytes already stored only tighten that component's overrides
    /// (replacing them is `set_component_limits`); the default model takes none.
    pub async fn register_component(
        &self,
        wasm: &[u8],
        overrides: &LimitOverrides,
    ) -> Result<(ComponentRow, bool), RegisterError> {
        if wasm.len() > MAX_COMPONENT_BYTES {
            return Err(RegisterError::TooLarge { size: wasm.len(), limit: MAX_COMPONENT_BYTES });
        }
        self.runtime.limits().tightened(overrides)?;
        let wasm: Arc<[u8]> = wasm.into();
        let sha256 = {
            let wasm = wasm.clone();
            tokio::task::spawn_blocking(move || sha256_hex(&wasm))
                .await
                .map_err(|e| RegisterError::Invalid(format!("hashing the component was aborted: {e}")))?
        };
        if let Some(existing) = self.store.find_component(&sha256).await? {
            if *overrides == LimitOverrides::default() {
                return Ok((existing, false));
            }
            let stored: LimitOverrides = serde_json::from_str(&existing.limits).map_err(|e| {
                RegisterError::Internal(format!("stored limits of component {} are unreadable: {e}", existing.id))
            })?;
            let narrowed = stored.narrowed(overrides);
            if narrowed == stored {
                return Ok((existing, false));
            }
            return Ok((self.set_component_limits(&existing.id, &narrowed).await?, false));
        }
        let size_bytes = wasm.len() as i64;
        let model = load_component(&self.store, &self.runtime, wasm.clone(), sha256.clone()).await?;
        let description = model.description();
        if let Err(e) = ConfigValidator::new(&description.config_schema) {
            // Not stored: nothing of it may stay behind (its compiled code, the digest).
            self.store.forget_code_digests(&sha256).await?;
            self.runtime.forget(&sha256);
            return Err(RegisterError::Invalid(format!("describe() returned an invalid config schema: {e}")));
        }
        let limits = serde_json::to_string(overrides).expect("overrides serialise");
        let row = component_row(sha256, size_bytes, description, limits);
        // Identical uploads racing each other: the first insert wins, the others answer
        // with its record.
        match self.store.insert_component(&row, &wasm).await {
            Ok(()) => Ok((row, true)),
            Err(error) => match self.store.find_component(&row.sha256).await? {
                Some(existing) => Ok((existing, false)),
                None => Err(error.into()),
            },
        }
    }

    /// Deletes a component that no config uses (checked and done in one transaction), and
    /// forgets its compiled code.
    pub async fn delete_component(&self, id: &str) -> Result<(), RegisterError> {
        let row = self.store.find_component(id).await?.ok_or_else(|| RegisterError::NotFound(id.to_owned()))?;
        if row.sha256 == self.model.sha256() {
            return Err(RegisterError::Default(row.id));
        }
        match self.store.delete_unused_component(&row.id).await? {
            ComponentDeletion::Deleted => {}
            ComponentDeletion::NotFound => return Err(RegisterError::NotFound(id.to_owned())),
            ComponentDeletion::InUse { configs, models, jobs } => {
                return Err(RegisterError::InUse { id: row.id, configs, models, jobs });
            }
        }
        self.store.forget_code_digests(&row.sha256).await?;
        self.runtime.forget(&row.sha256);
        Ok(())
    }
}

/// Loads a component through the runtime with its precompiled code verified: the digest
/// recorded for it (if any) goes in, the digest of freshly written code is recorded.
pub(crate) async fn load_component(
    store: &Store,
    runtime: &Runtime,
    wasm: Arc<[u8]>,
    sha256: String,
) -> Result<ModelComponent, RegisterError> {
    let recorded = match runtime.engine_key() {
        Some(key) => store.code_digest(&sha256, key).await?,
        None => None,
    };
    let loaded = runtime.load(wasm, sha256.clone(), recorded).await.map_err(|e| match e {
        RuntimeError::InvalidComponent(message) | RuntimeError::LoadFailed(message) => RegisterError::Invalid(message),
        other => RegisterError::Internal(other.to_string()),
    })?;
    if let (Some(key), Some(digest)) = (runtime.engine_key(), &loaded.code_digest) {
        store.record_code_digest(&sha256, key, digest).await?;
    }
    Ok(loaded.component)
}
