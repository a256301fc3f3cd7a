//! Artifact rows: a tree (parent, level), JSON data, and optional binary content (model
//! bytes, encoded prediction frames) kept out of the JSON so lists never load it.

use super::{Backend, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, Connection, Row, Transaction};

#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: i64,
    /// JSON text: user data, or the canonical ML record.
    pub data: String,
    pub content: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub tags: String,
    pub created_at: String,
    pub updated_at: String,
    /// Written by a job (an ML record), which only the job-ending writes set; a client's
    /// own artifacts never are.
    pub written_by_job: bool,
}

pub(super) fn row(r: AnyRow) -> Result<ArtifactRow, sqlx::Error> {
    Ok(ArtifactRow {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        level: r.try_get("level")?,
        data: r.try_get("data")?,
        content: r.try_get("content")?,
        content_type: r.try_get("content_type")?,
        tags: r.try_get("tags")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        written_by_job: r.try_get::<i64, _>("written_by_job")? != 0,
    })
}

/// Inserts an artifact row, and its content apart (`artifacts.content`, which held it
/// before migration 0014, stays empty).
pub(super) async fn insert(tx: &mut Transaction<'_, Any>, artifact: &ArtifactRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO artifacts \
         (id, parent_id, level, data, content_type, tags, created_at, updated_at, written_by_job) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&artifact.id)
    .bind(&artifact.parent_id)
    .bind(artifact.level)
    .bind(&artifact.data)
    .bind(&artifact.content_type)
    .bind(&artifact.tags)
    .bind(&artifact.created_at)
    .bind(&artifact.updated_at)
    .bind(i64::from(artifact.written_by_job))
    .execute(&mut **tx)
    .await?;
    if let Some(content) = &artifact.content {
        sqlx::query("INSERT INTO artifact_content (artifact_id, content) VALUES ($1, $2)")
            .bind(&artifact.id)
            .bind(content.as_slice())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Deletes an artifact and all its descendants.
pub(super) async fn delete_tree(tx: &mut Transaction<'_, Any>, root: &str) -> Result<(), sqlx::Error> {
    let mut pending = vec![root.to_owned()];
    while let Some(id) = pending.pop() {
        let children =
            sqlx::query("SELECT id FROM artifacts WHERE parent_id = $1").bind(&id).fetch_all(&mut **tx).await?;
        for child in children {
            pending.push(child.try_get("id")?);
        }
        sqlx::query("DELETE FROM artifacts WHERE id = $1").bind(&id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Why an artifact change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactChangeError {
    #[error("Artifact {0} not found")]
    NotFound(String),
    #[error("Parent artifact {0} not found")]
    ParentNotFound(String),
    #[error("An artifact cannot be its own parent")]
    OwnParent,
    #[error("Setting parent {0} would create a cycle")]
    Cycle(String),
    #[error("artifact hierarchies may not be deeper than {MAX_ARTIFACT_DEPTH} levels")]
    TooDeep,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ArtifactChangeError {
    fn from(error: sqlx::Error) -> Self {
        ArtifactChangeError::Store(error.into())
    }
}

/// The deepest level an artifact may sit at (a root is level 0): every walk of a
/// hierarchy — up to its config, down to its tree — is then bounded, and a `$tree` answer
/// of plain data stays within the 128 levels of nesting JSON parsers accept (two per
/// level; an artifact's own data nested deep can still exceed it).
pub const MAX_ARTIFACT_DEPTH: i64 = 32;

impl Store {
    /// Inserts a user artifact; its level is its parent's plus one (at most
    /// [`MAX_ARTIFACT_DEPTH`]). Never an ML record: those are written when a job ends.
    pub async fn insert_artifact(&self, artifact: &mut ArtifactRow) -> Result<(), ArtifactChangeError> {
        artifact.written_by_job = false;
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        if artifact.parent_id.is_some() {
            self.lock_tree(&mut tx).await?;
        }
        artifact.level = parent_level(&mut tx, artifact.parent_id.as_deref()).await?.map_or(0, |l| l + 1);
        if artifact.level > MAX_ARTIFACT_DEPTH {
            return Err(ArtifactChangeError::TooDeep);
        }
        insert(&mut tx, artifact).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces data, parent and tags; refuses cycles; recomputes the levels below.
    pub async fn update_artifact(&self, artifact: &mut ArtifactRow) -> Result<(), ArtifactChangeError> {
        let mut writer = self.writer.acquire().await?;
        let mut tx = writer.begin().await?;
        self.lock_tree(&mut tx).await?;
        if sqlx::query("SELECT id FROM artifacts WHERE id = $1")
            .bind(&artifact.id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(ArtifactChangeError::NotFound(artifact.id.clone()));
        }
        if let Some(parent) = &artifact.parent_id {
            if *parent == artifact.id {
                return Err(ArtifactChangeError::OwnParent);
            }
            let mut ancestor = Some(parent.clone());
            // Bounded: levels are capped, so a longer walk means a cycle elsewhere.
            let mut steps = 0;
            while let Some(id) = ancestor {
                steps += 1;
                if steps > MAX_ARTIFACT_DEPTH + 1 {
                    return Err(ArtifactChangeError::TooDeep);
                }
                if id == artifact.id {
                    return Err(ArtifactChangeError::Cycle(parent.clone()));
                }
                let found = sqlx::query("SELECT parent_id FROM artifacts WHERE id = $1")
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?;
                ancestor = found.map(|r| r.try_get("parent_id")).transpose()?.flatten();
            }
        }
        artifact.level = parent_level(&mut tx, artifact.parent_id.as_deref()).await?.map_or(0, |l| l + 1);
        if artifact.level > MAX_ARTIFACT_DEPTH {
            return Err(ArtifactChangeError::TooDeep);
        }
        sqlx::query(
            "UPDATE artifacts SET data = $1, parent_id = $2, level = $3, tags = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&artifact.data)
        .bind(&artifact.parent_id)
        .bind(artifact.level)
        .bind(&artifact.tags)
        .bind(&artifact.updated_at)
        .bind(&artifact.id)
        .execute(&mut *tx)
        .await?;
        let mut pending = vec![(artifact.id.clone(), artifact.level)];
        while let Some((id, level)) = pending.pop() {
            let children =
                sqlx::query("SELECT id FROM artifacts WHERE parent_id = $1").bind(&id).fetch_all(&mut *tx).await?;
            for child in children {
                let child: String = child.try_get("id")?;
                // The move would push this subtree past the cap: nothing is written.
                if level + 1 > MAX_ARTIFACT_DEPTH {
                    return Err(ArtifactChangeError::TooDeep);
                }
                sqlx::query("UPDATE artifacts SET level = $1 WHERE id = $2")
                    .bind(level + 1)
                    .bind(&child)
                    .execute(&mut *tx)
                    .await?;
                pending.push((child, level + 1));
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one artifact; its children keep their level and lose their parent (as chapkit).
    pub async fn delete_artifact(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM artifacts WHERE id = $1")
            .bind(id)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Links a root artifact to a config. Errors name what is wrong.
    pub async fn link_artifact(&self, config_id: &str, artifact_id: &str) -> Result<(), LinkError> {
        let artifact =
            self.get_artifact(artifact_id).await?.ok_or_else(|| LinkError::ArtifactNotFound(artifact_id.to_owned()))?;
        if let Some(parent) = artifact.parent_id {
            return Err(LinkError::NotRoot { artifact_id: artifact_id.to_owned(), parent_id: parent });
        }
        if self.get_config(config_id).await?.is_none() {
            return Err(LinkError::ConfigNotFound(config_id.to_owned()));
        }
        if self.config_of_root(artifact_id).await?.is_some() {
            return Err(LinkError::AlreadyLinked(artifact_id.to_owned()));
        }
        let mut writer = self.writer.acquire().await.map_err(StoreError::from)?;
        sqlx::query("INSERT INTO config_artifacts (config_id, artifact_id) VALUES ($1, $2)")
            .bind(config_id)
            .bind(artifact_id)
            .execute(&mut *writer)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Removes a link; false if there was none.
    pub async fn unlink_artifact(&self, config_id: &str, artifact_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM config_artifacts WHERE config_id = $1 AND artifact_id = $2")
            .bind(config_id)
            .bind(artifact_id)
            .execute(&mut *self.writer.acquire().await?)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn get_artifact(&self, id: &str) -> Result<Option<ArtifactRow>, StoreError> {
        let found = sqlx::query(
            "SELECT a.id, a.parent_id, a.level, a.data, c.content, a.content_type, a.tags, a.created_at, a.updated_at, \
             a.written_by_job FROM artifacts a LEFT JOIN artifact_content c ON c.artifact_id = a.id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.reader.acquire().await?)
        .await?;
        Ok(found.map(row).transpose()?)
    }

    /// An artifact without its content (for checks and listings that never need the bytes).
    pub async fn get_artifact_summary(&self, id: &str) -> Result<Option<ArtifactRow>, StoreError> {
        let found = sqlx::query(
            "SELECT id, parent_id, level, data, NULL AS content, content_type, tags, created_at, updated_at, written_by_job \
             FROM artifacts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.reader.acquire().await?)
        .await?;
        Ok(found.map(row).transpose()?)
    }

    /// Artifacts in id order, without content; `page` is `(offset, limit)`.
    pub async fn list_artifacts(&self, page: Option<(i64, i64)>) -> Result<Vec<ArtifactRow>, StoreError> {
        let (offset, limit) = page.unwrap_or((0, i64::MAX));
        let rows = sqlx::query(
            "SELECT id, parent_id, level, data, NULL AS content, content_type, tags, created_at, updated_at, written_by_job \
             FROM artifacts ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.reader.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Direct children of an artifact, without content, in id order.
    /// The first `limit` children of an artifact, without content.
    pub async fn child_artifacts(&self, parent_id: &str, limit: i64) -> Result<Vec<ArtifactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, parent_id, level, data, NULL AS content, content_type, tags, created_at, updated_at, written_by_job \
             FROM artifacts WHERE parent_id = $1 ORDER BY id LIMIT $2",
        )
        .bind(parent_id)
        .bind(limit)
        .fetch_all(&mut *self.reader.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    /// Root artifacts linked to a config, without content.
    pub async fn config_artifacts(&self, config_id: &str) -> Result<Vec<ArtifactRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.parent_id, a.level, a.data, NULL AS content, a.content_type, a.tags, a.created_at, a.updated_at, a.written_by_job \
             FROM artifacts a JOIN config_artifacts l ON l.artifact_id = a.id WHERE l.config_id = $1 ORDER BY a.id",
        )
        .bind(config_id)
        .fetch_all(&mut *self.reader.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(row).collect::<Result<_, _>>()?)
    }

    pub async fn count_artifacts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM artifacts")
            .fetch_one(&mut *self.reader.acquire().await?)
            .await?
            .try_get("n")?)
    }

    /// The config linked to the root of `artifact_id`'s tree.
    pub async fn config_of_root(&self, root_id: &str) -> Result<Option<String>, StoreError> {
        let found = sqlx::query("SELECT config_id FROM config_artifacts WHERE artifact_id = $1")
            .bind(root_id)
            .fetch_optional(&mut *self.reader.acquire().await?)
            .await?;
        Ok(found.map(|r| r.try_get("config_id")).transpose()?)
    }
}

/// Why a link was refused.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("Artifact {0} not found")]
    ArtifactNotFound(String),
    #[error("Artifact {artifact_id} is not a root artifact (parent_id={parent_id})")]
    NotRoot { artifact_id: String, parent_id: String },
    #[error("Config {0} not found")]
    ConfigNotFound(String),
    #[error("Artifact {0} is already linked to a config")]
    AlreadyLinked(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Serialises changes to the tree's shape until `tx` ends, so that two re-parents
    /// cannot each pass the cycle check against the other's old parent, nor a child land
    /// under a node whose level is being moved: PostgreSQL takes a transaction-scoped
    /// advisory lock; SQLite takes its one write lock before the reads (a write first).
    async fn lock_tree(&self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        let lock = match self.backend {
            Backend::Postgres => "SELECT pg_advisory_xact_lock(6300102218)",
            Backend::Sqlite => "UPDATE artifacts SET level = level WHERE id = ''",
        };
        sqlx::query(lock).execute(&mut **tx).await?;
        Ok(())
    }
}

async fn parent_level(tx: &mut Transaction<'_, Any>, parent: Option<&str>) -> Result<Option<i64>, ArtifactChangeError> {
    let Some(parent) = parent else { return Ok(None) };
    let found = sqlx::query("SELECT level FROM artifacts WHERE id = $1").bind(parent).fetch_optional(&mut **tx).await?;
    match found {
        Some(row) => Ok(Some(row.try_get("level")?)),
        None => Err(ArtifactChangeError::ParentNotFound(parent.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use crate::test_reads::{artifact_row as artifact, bytes_read, empty_the_log, rows_of, temp_store};

    /// Listings and summaries carry no content, so they must not read it either; the
    /// artifact itself still comes back whole.
    #[tokio::test(flavor = "multi_thread")]
    async fn listing_artifacts_does_not_read_their_content() {
        let (store, _file, _alone) = temp_store("artifacts").await;
        let content = vec![3u8; 4 << 20];
        for id in ["01J0000000000000000000000A", "01J0000000000000000000000B"] {
            store.insert_artifact(&mut artifact(id, Some(content.clone()))).await.unwrap();
        }
        empty_the_log(&store).await;
        let before = bytes_read();
        for _ in 0..10 {
            assert_eq!(store.list_artifacts(None).await.unwrap().len(), 2);
            assert!(store.get_artifact_summary("01J0000000000000000000000A").await.unwrap().is_some());
        }
        let read = bytes_read() - before;
        assert!(read < content.len() as u64, "10 listings and summaries read {read} bytes");
        let whole = store.get_artifact("01J0000000000000000000000B").await.unwrap().unwrap();
        assert_eq!(whole, artifact("01J0000000000000000000000B", Some(content)));
        let empty = artifact("01J0000000000000000000000C", None);
        store.insert_artifact(&mut empty.clone()).await.unwrap();
        assert_eq!(store.get_artifact(&empty.id).await.unwrap(), Some(empty));
        assert!(store.delete_artifact("01J0000000000000000000000B").await.unwrap());
        assert_eq!(rows_of(&store, "artifact_content", "artifact_id", "01J0000000000000000000000B").await, 0);
    }
}
