//! Reads the API serves as the store keeps them: jobs, components, and the database's
//! health. The rules about what may change live with the changes (`configs.rs`,
//! `artifacts.rs`, `components.rs`, `submit.rs`).

use super::MlService;

/// The most records a plain (unpaginated) list answers with; pages go further.
pub const MAX_LISTED: i64 = 1000;
use chapwasm_store::{ComponentRow, JobRow, JobStatus, StoreError};

impl MlService {
    pub async fn job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        self.store.get_job(id).await
    }

    /// The newest [`MAX_LISTED`] jobs, optionally of one status.
    pub async fn jobs(&self, status: Option<JobStatus>) -> Result<Vec<JobRow>, StoreError> {
        self.store.list_jobs(status, MAX_LISTED).await
    }

    /// A component by id or SHA-256.
    pub async fn component(&self, id_or_sha256: &str) -> Result<Option<ComponentRow>, StoreError> {
        self.store.find_component(id_or_sha256).await
    }

    pub async fn components(&self) -> Result<Vec<ComponentRow>, StoreError> {
        self.store.list_components().await
    }

    /// A component's `.wasm` bytes.
    pub async fn component_wasm(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.component_wasm(id).await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }
}
