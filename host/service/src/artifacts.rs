//! Artifact records: clients may create, replace and delete their own artifacts, but ML
//! records (trained models and predictions, with their provenance) are written by jobs
//! only, so a replace of one is refused here. Reads that walk the hierarchy (`config_of`)
//! live here too.

use super::clock::{entity_time, new_id};
use super::{MlRecord, MlService};
use chapwasm_store::{ArtifactChangeError, ArtifactRow, ConfigRow, MAX_ARTIFACT_DEPTH, StoreError};

/// An artifact as a client describes it (the wire shape is checked by the caller).
#[derive(Debug, Clone)]
pub struct ArtifactInput {
    /// The artifact's data, as JSON text.
    pub data: String,
    pub parent_id: Option<String>,
    pub tags: Vec<String>,
}

/// The most artifacts one `$tree` answer holds.
pub const MAX_TREE_NODES: usize = 10_000;

/// An artifact's subtree, breadth first: each artifact with the index of its parent in
/// the list (`None` for the root).
pub type ArtifactTree = Vec<(ArtifactRow, Option<usize>)>;

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("ML artifacts (trained models, predictions) are written by jobs: they cannot be created or replaced")]
    WrittenByJobs,
    #[error("the tree holds more than {MAX_TREE_NODES} artifacts: list children level by level instead")]
    TreeTooLarge,
    #[error(transparent)]
    Change(#[from] ArtifactChangeError),
}

impl From<StoreError> for ArtifactError {
    fn from(error: StoreError) -> Self {
        ArtifactError::Change(ArtifactChangeError::Store(error))
    }
}

/// Data shaped like an ML record is refused from clients: such records are the jobs' to
/// write (and readers trust only the store's `written_by_job`, never the shape).
fn refuse_ml_shape(input: &ArtifactInput) -> Result<(), ArtifactError> {
    match serde_json::from_str::<MlRecord>(&input.data) {
        Ok(_) => Err(ArtifactError::WrittenByJobs),
        Err(_) => Ok(()),
    }
}

impl MlService {
    pub async fn create_artifact(&self, input: ArtifactInput) -> Result<ArtifactRow, ArtifactError> {
        refuse_ml_shape(&input)?;
        let now = entity_time();
        let mut row = ArtifactRow {
            id: new_id(),
            parent_id: input.parent_id,
            level: 0,
            data: input.data,
            content: None,
            content_type: None,
            tags: serde_json::to_string(&input.tags).expect("tags serialise"),
            created_at: now.clone(),
            updated_at: now,
            written_by_job: false,
        };
        self.store.insert_artifact(&mut row).await?;
        Ok(row)
    }

    /// Replaces a client's artifact; an ML record cannot be replaced.
    pub async fn replace_artifact(&self, id: &str, input: ArtifactInput) -> Result<ArtifactRow, ArtifactError> {
        let found = self.store.get_artifact_summary(id).await?;
        let mut row = found.ok_or_else(|| ArtifactChangeError::NotFound(id.to_owned()))?;
        if row.written_by_job {
            return Err(ArtifactError::WrittenByJobs);
        }
        refuse_ml_shape(&input)?;
        row.data = input.data;
        row.parent_id = input.parent_id;
        row.tags = serde_json::to_string(&input.tags).expect("tags serialise");
        row.updated_at = entity_time();
        self.store.update_artifact(&mut row).await?;
        Ok(row)
    }

    /// Deletes an artifact and its descendants; false if unknown.
    pub async fn delete_artifact(&self, id: &str) -> Result<bool, StoreError> {
        self.store.delete_artifact(id).await
    }

    /// An artifact with its content.
    pub async fn artifact(&self, id: &str) -> Result<Option<ArtifactRow>, StoreError> {
        self.store.get_artifact(id).await
    }

    /// An artifact without its content (everything that does not serve the bytes).
    pub async fn artifact_summary(&self, id: &str) -> Result<Option<ArtifactRow>, StoreError> {
        self.store.get_artifact_summary(id).await
    }

    /// Artifacts without content; `page` is `(offset, limit)`.
    pub async fn artifacts(&self, page: Option<(i64, i64)>) -> Result<Vec<ArtifactRow>, StoreError> {
        self.store.list_artifacts(page).await
    }

    pub async fn count_artifacts(&self) -> Result<i64, StoreError> {
        self.store.count_artifacts().await
    }

    /// An artifact and its descendants (contents left out), read level by level — no
    /// recursion, at most [`MAX_TREE_NODES`].
    pub async fn artifact_tree(&self, root: ArtifactRow) -> Result<ArtifactTree, ArtifactError> {
        let mut tree: ArtifactTree = vec![(root, None)];
        let mut next = 0;
        while next < tree.len() {
            // Never more than the cap (plus one, to know it was exceeded) from one query.
            let room = (MAX_TREE_NODES + 1 - tree.len()) as i64;
            for child in self.store.child_artifacts(&tree[next].0.id, room).await? {
                if tree.len() >= MAX_TREE_NODES {
                    return Err(ArtifactError::TreeTooLarge);
                }
                tree.push((child, Some(next)));
            }
            next += 1;
        }
        Ok(tree)
    }

    /// The config linked to the root of an artifact's tree, if any.
    pub async fn config_of_artifact(&self, artifact: ArtifactRow) -> Result<Option<ConfigRow>, StoreError> {
        let mut row = artifact;
        // Levels are capped, so is this walk (a parent deleted mid-walk ends it).
        for _ in 0..=MAX_ARTIFACT_DEPTH {
            let Some(parent) = row.parent_id.clone() else { break };
            match self.store.get_artifact_summary(&parent).await? {
                Some(parent) => row = parent,
                None => break,
            }
        }
        match self.store.config_of_root(&row.id).await? {
            Some(config_id) => self.store.get_config(&config_id).await,
            None => Ok(None),
        }
    }
}
